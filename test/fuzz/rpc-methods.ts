import type { DescService } from "@bufbuild/protobuf";
import { AuditService } from "../../gen/llmgw/v1/audit_pb.js";
import { BudgetService } from "../../gen/llmgw/v1/budget_pb.js";
import { ChatService } from "../../gen/llmgw/v1/chat_pb.js";
import { EmbeddingsService } from "../../gen/llmgw/v1/embeddings_pb.js";
import { KeysService } from "../../gen/llmgw/v1/keys_pb.js";
import { ModelsService } from "../../gen/llmgw/v1/models_pb.js";
import { RoutingService } from "../../gen/llmgw/v1/routing_pb.js";
import { UsageService } from "../../gen/llmgw/v1/usage_pb.js";

/** Every service the gateway serves over RPC. */
const SERVICES: DescService[] = [
  ChatService,
  EmbeddingsService,
  ModelsService,
  UsageService,
  KeysService,
  RoutingService,
  BudgetService,
  AuditService,
];

/** Every RPC, by its path, and whether it is a server stream. */
export const RPC_METHODS: ReadonlyArray<{ readonly path: string; readonly streaming: boolean }> =
  SERVICES.flatMap((s) =>
    s.methods.map((m) => ({
      path: `/${s.typeName}/${m.name}`,
      streaming: m.methodKind === "server_streaming",
    })),
  );
