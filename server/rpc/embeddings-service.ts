import type { ServiceImpl } from "@connectrpc/connect";
import type { EmbeddingsService } from "../../gen/llmgw/v1/embeddings_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import { toConnectError } from "./connect-error.ts";
import { pendingCall } from "./rpc-call.ts";

/** EmbeddingsService over gRPC, gRPC-Web and Connect: the same pipeline as `POST /v1/embeddings`. */
export function embeddingsService(): ServiceImpl<typeof EmbeddingsService> {
  return {
    async embed(req, ctx) {
      try {
        const pending = pendingCall(ctx);
        pending.deliver(req);
        const answer = await pending.answer;
        if (answer.kind !== "embed") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
        return answer.response;
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
  };
}
