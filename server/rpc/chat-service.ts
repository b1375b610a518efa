import type { ServiceImpl } from "@connectrpc/connect";
import type { ChatService } from "../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../core/call.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import { toConnectError } from "./connect-error.ts";
import { eventIterable } from "./event-iterable.ts";
import { setLimitHeaders } from "./limit-headers.ts";
import { pendingCall } from "./rpc-call.ts";

/**
 * ChatService over gRPC, gRPC-Web and Connect: the same pipeline as the REST
 * shim. The request gate started the call; the implementation hands it the
 * message and returns its answer, with the rate-limit headers.
 */
export function chatService(): ServiceImpl<typeof ChatService> {
  return {
    async complete(req, ctx) {
      let call: Call | undefined;
      try {
        const pending = pendingCall(ctx);
        call = pending.call;
        pending.deliver(req.chat);
        const answer = await pending.answer;
        setLimitHeaders(ctx, call.limits);
        if (answer.kind !== "complete")
          throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
        return answer.response;
      } catch (error) {
        setLimitHeaders(ctx, call?.limits);
        throw toConnectError(error, ctx);
      }
    },
    async *stream(req, ctx) {
      let call: Call | undefined;
      try {
        const pending = pendingCall(ctx);
        call = pending.call;
        pending.deliver(req.chat);
        const answer = await pending.answer;
        // Headers leave with the first message, so these are on them.
        setLimitHeaders(ctx, call.limits);
        if (answer.kind !== "stream") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
        yield* eventIterable(answer.events);
      } catch (error) {
        setLimitHeaders(ctx, call?.limits);
        throw toConnectError(error, ctx);
      }
    },
  };
}
