import type { ServiceImpl } from "@connectrpc/connect";
import type { EmbeddingsService } from "../../gen/llmgw/v1/embeddings_pb.js";
import type { Call } from "../core/call.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import { toConnectError } from "./connect-error.ts";
import { setLimitHeaders } from "./limit-headers.ts";
import { pendingCall } from "./rpc-call.ts";

/** EmbeddingsService over gRPC, gRPC-Web and Connect: the same pipeline as `POST /v1/embeddings`. */
export function embeddingsService(): ServiceImpl<typeof EmbeddingsService> {
  return {
    async embed(req, ctx) {
      let call: Call | undefined;
      try {
        const pending = pendingCall(ctx);
        call = pending.call;
        pending.deliver(req);
        const answer = await pending.answer;
        setLimitHeaders(ctx, call.limits);
        if (answer.kind !== "embed") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
        return answer.response;
      } catch (error) {
        setLimitHeaders(ctx, call?.limits);
        throw toConnectError(error, ctx);
      }
    },
  };
}
