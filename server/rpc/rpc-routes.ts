import type { ConnectRouter } from "@connectrpc/connect";
import { AuditService } from "../../gen/llmgw/v1/audit_pb.js";
import { BenchmarkService } from "../../gen/llmgw/v1/benchmark_pb.js";
import { BudgetService } from "../../gen/llmgw/v1/budget_pb.js";
import { CacheService } from "../../gen/llmgw/v1/cache_pb.js";
import { ChatService } from "../../gen/llmgw/v1/chat_pb.js";
import { EmbeddingsService } from "../../gen/llmgw/v1/embeddings_pb.js";
import { KeysService } from "../../gen/llmgw/v1/keys_pb.js";
import { ModelsService } from "../../gen/llmgw/v1/models_pb.js";
import { RoutingService } from "../../gen/llmgw/v1/routing_pb.js";
import { UsageService } from "../../gen/llmgw/v1/usage_pb.js";
import type { GatewayServices } from "../core/services.ts";
import { auditService } from "./audit-service.ts";
import { benchmarkService } from "./benchmark-service.ts";
import { budgetService } from "./budget-service.ts";
import { cacheService } from "./cache-service.ts";
import { chatService } from "./chat-service.ts";
import { embeddingsService } from "./embeddings-service.ts";
import { keysService } from "./keys-service.ts";
import { MAX_TIMEOUT_MS } from "./max-timeout.ts";
import { modelsService } from "./models-service.ts";
import { routingService } from "./routing-service.ts";
import { usageService } from "./usage-service.ts";

/**
 * JSON bodies (Connect JSON, gRPC(-Web)+json) must be UTF-8. Connect's default
 * TextDecoder swaps invalid bytes for U+FFFD and the garbled prompt would reach
 * the upstream; a fatal decoder makes such a body an InvalidArgument instead,
 * as binary protobuf already rejects invalid UTF-8 in strings. `textDecoder`
 * is read by connect's JSON serialization though its handler options type
 * omits it; unknown fields stay ignored, connect's default.
 */
const jsonOptions = { ignoreUnknownFields: true, textDecoder: new TextDecoder("utf-8", { fatal: true }) };

/** Every service's handler options: the JSON above, and a deadline no longer than a timer can hold. */
const options = { jsonOptions, maxTimeoutMs: MAX_TIMEOUT_MS };

/** Registers every Connect service on a router. */
export function rpcRoutes(services: GatewayServices) {
  return (router: ConnectRouter) => {
    router.service(ChatService, chatService(), options);
    router.service(EmbeddingsService, embeddingsService(), options);
    router.service(ModelsService, modelsService(services), options);
    router.service(UsageService, usageService(services), options);
    router.service(RoutingService, routingService(services), options);
    router.service(BudgetService, budgetService(services), options);
    router.service(KeysService, keysService(services), options);
    router.service(AuditService, auditService(services), options);
    router.service(CacheService, cacheService(services), options);
    router.service(BenchmarkService, benchmarkService(services), options);
  };
}
