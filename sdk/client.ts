import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { AuditService } from "../gen/llmgw/v1/audit_pb.js";
import { BenchmarkService } from "../gen/llmgw/v1/benchmark_pb.js";
import { BudgetService } from "../gen/llmgw/v1/budget_pb.js";
import { CacheService } from "../gen/llmgw/v1/cache_pb.js";
import { ChatService } from "../gen/llmgw/v1/chat_pb.js";
import { EmbeddingsService } from "../gen/llmgw/v1/embeddings_pb.js";
import { KeysService } from "../gen/llmgw/v1/keys_pb.js";
import { ModelsService } from "../gen/llmgw/v1/models_pb.js";
import { RoutingService } from "../gen/llmgw/v1/routing_pb.js";
import { UsageService } from "../gen/llmgw/v1/usage_pb.js";

/** Typed clients for every LLMGW service, sharing one transport. */
export interface LlmgwClient {
  readonly chat: Client<typeof ChatService>;
  readonly embeddings: Client<typeof EmbeddingsService>;
  readonly models: Client<typeof ModelsService>;
  readonly usage: Client<typeof UsageService>;
  /** Route explanations, deployments, and the routing config (see also the helpers in routing.ts). */
  readonly routing: Client<typeof RoutingService>;
  /** Budgets' spend and caps (see also the helpers in budgets.ts). */
  readonly budgets: Client<typeof BudgetService>;
  /** Key management, admin keys only (see also the helpers in keys.ts). */
  readonly keys: Client<typeof KeysService>;
  /** The audit log, admin keys only (see also the helpers in audit.ts). */
  readonly audit: Client<typeof AuditService>;
  /** The response cache's stats, invalidation and dry-run lookup (see also the helpers in cache.ts). */
  readonly cache: Client<typeof CacheService>;
  /** The model benchmark suite: tasks, runs and their results (starting a run needs an admin key). */
  readonly benchmarks: Client<typeof BenchmarkService>;
}

/**
 * Builds the clients over any Connect transport: connect-node's for backend
 * services (see `createNodeTransport`), connect-web's in a browser.
 *
 * @example
 * const llmgw = createLlmgwClient(createGrpcWebTransport({ baseUrl, interceptors: [apiKey(key)] }));
 * const reply = await llmgw.chat.complete({ chat: { model: "fast", messages: [userMessage("Hi")] } });
 */
export function createLlmgwClient(transport: Transport): LlmgwClient {
  return {
    chat: createClient(ChatService, transport),
    embeddings: createClient(EmbeddingsService, transport),
    models: createClient(ModelsService, transport),
    usage: createClient(UsageService, transport),
    routing: createClient(RoutingService, transport),
    budgets: createClient(BudgetService, transport),
    keys: createClient(KeysService, transport),
    audit: createClient(AuditService, transport),
    cache: createClient(CacheService, transport),
    benchmarks: createClient(BenchmarkService, transport),
  };
}

/** An interceptor that sends the API key as `authorization: Bearer`, as the gateway expects. */
export function apiKey(key: string): Interceptor {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${key}`);
    return next(request);
  };
}
