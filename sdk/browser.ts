/**
 * The LLMGW TypeScript SDK for browsers (and any runtime with fetch): typed
 * clients for the gateway's Connect services, generated from
 * `proto/llmgw/v1`, the helpers, and `createWebTransport` over connect-web.
 * It imports nothing of Node's; `index.ts` adds the Node transport.
 */

export * from "../gen/llmgw/v1/audit_pb.js";
export * from "../gen/llmgw/v1/benchmark_pb.js";
export * from "../gen/llmgw/v1/budget_pb.js";
export * from "../gen/llmgw/v1/cache_pb.js";
export * from "../gen/llmgw/v1/chat_pb.js";
export * from "../gen/llmgw/v1/embeddings_pb.js";
export * from "../gen/llmgw/v1/error_pb.js";
export * from "../gen/llmgw/v1/keys_pb.js";
export * from "../gen/llmgw/v1/models_pb.js";
export * from "../gen/llmgw/v1/routing_pb.js";
export * from "../gen/llmgw/v1/usage_pb.js";
export {
  type AuditClient,
  type AuditEntry,
  type AuditQuery,
  exportAudit,
  getAuditRecord,
  queryAudit,
} from "./audit.ts";
export {
  type BenchmarkRunOptions,
  type BenchmarksClient,
  benchmarkRunEnded,
  getBenchmarkResults,
  getBenchmarkRun,
  listBenchmarkRuns,
  listBenchmarkTasks,
  startBenchmarkRun,
  type WaitOptions,
  waitForBenchmarkRun,
} from "./benchmarks.ts";
export {
  type BudgetCaps,
  type BudgetStanding,
  type BudgetsClient,
  getBudget,
  getSpend,
  listBudgets,
  type Spend,
  type SpendFilter,
  type SpendRow,
  setBudget,
} from "./budgets.ts";
export {
  type CacheClient,
  type CacheKindFigures,
  type CacheLookup,
  type CacheTarget,
  getCacheStats,
  invalidateCache,
  lookupCache,
} from "./cache.ts";
export {
  type ChatClient,
  type ChatInit,
  completeText,
  streamChat,
  streamChatText,
} from "./chat.ts";
export { apiKey, createLlmgwClient, type LlmgwClient } from "./client.ts";
export { type EmbeddingsClient, type EmbedOptions, embed } from "./embeddings.ts";
export {
  createKey,
  getCurrentKey,
  getKey,
  type KeyBudgetRule,
  type KeyChanges,
  type KeyLimitRule,
  type KeysClient,
  listKeys,
  type NewKeySettings,
  revokeKey,
  updateKey,
} from "./keys.ts";
export { streamText, systemMessage, userMessage } from "./messages.ts";
export { getModel, listModels, type ModelsClient } from "./models.ts";
export {
  type ExplainRouteOptions,
  explainRoute,
  getRoutingConfig,
  listDeployments,
  type RoutingClient,
  updateRoutingConfig,
} from "./routing.ts";
export type {
  DeploymentConfigJson,
  RoutedModelJson,
  RoutingConfigJson,
  RoutingStrategyName,
  RoutingTimeoutsJson,
} from "./routing-config.ts";
export { cancelOnExit } from "./streams.ts";
export {
  getStats,
  getUsage,
  type LatencyFigures,
  type UsageClient,
  type UsageFilter,
  type UsageTick,
  type UsageTotals,
  watchUsage,
} from "./usage.ts";
export { createWebTransport, type WebTransportOptions } from "./web-transport.ts";
