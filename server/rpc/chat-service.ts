import type { ServiceImpl } from "@connectrpc/connect";
import type { ChatService } from "../../gen/llmgw/v1/chat_pb.js";
import type { Gateway } from "../core/gateway.ts";
import { invalidRequest } from "../errors/gateway-error.ts";
import { toConnectError } from "./connect-error.ts";
import { rpcCall } from "./rpc-call.ts";

/** ChatService over gRPC, gRPC-Web and Connect: the same core as the REST shim. */
export function chatService(gateway: Gateway): ServiceImpl<typeof ChatService> {
  return {
    async complete(req, ctx) {
      try {
        const call = rpcCall(gateway, ctx, "rpc");
        if (req.chat === undefined) throw invalidRequest("chat is required", "chat");
        return await gateway.complete(req.chat, call);
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async *stream(req, ctx) {
      try {
        const call = rpcCall(gateway, ctx, "rpc");
        if (req.chat === undefined) throw invalidRequest("chat is required", "chat");
        const started = await gateway.stream(req.chat, call);
        yield* started.events;
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
  };
}
