import type { ServiceImpl } from "@connectrpc/connect";
import type { ChatService } from "../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import { toConnectError } from "./connect-error.ts";
import { eventIterable } from "./event-iterable.ts";
import { pendingCall } from "./rpc-call.ts";

/**
 * ChatService over gRPC, gRPC-Web and Connect: the same pipeline as the REST
 * shim. The request gate started the call; the implementation hands it the
 * message and returns its answer.
 */
export function chatService(): ServiceImpl<typeof ChatService> {
  return {
    async complete(req, ctx) {
      try {
        const pending = pendingCall(ctx);
        pending.deliver(req.chat);
        const answer = await pending.answer;
        if (answer.kind !== "complete")
          throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
        return answer.response;
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async *stream(req, ctx) {
      try {
        const pending = pendingCall(ctx);
        pending.deliver(req.chat);
        const answer = await pending.answer;
        if (answer.kind !== "stream") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
        yield* eventIterable(answer.events);
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
  };
}
