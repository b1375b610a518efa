import type { ConnectRouter } from "@connectrpc/connect";
import { ChatService } from "../../gen/llmgw/v1/chat_pb.js";
import { ModelsService } from "../../gen/llmgw/v1/models_pb.js";
import { UsageService } from "../../gen/llmgw/v1/usage_pb.js";
import type { Gateway } from "../core/gateway.ts";
import { chatService } from "./chat-service.ts";
import { modelsService } from "./models-service.ts";
import { usageService } from "./usage-service.ts";

/** Registers every Connect service on a router. */
export function rpcRoutes(gateway: Gateway) {
  return (router: ConnectRouter) => {
    router.service(ChatService, chatService(gateway));
    router.service(ModelsService, modelsService(gateway));
    router.service(UsageService, usageService(gateway));
  };
}
