import type { ServiceImpl } from "@connectrpc/connect";
import type { EmbeddingsService } from "../../gen/llmgw/v1/embeddings_pb.js";
import type { Gateway } from "../core/gateway.ts";
import { toConnectError } from "./connect-error.ts";
import { rpcCall } from "./rpc-call.ts";

/** EmbeddingsService over gRPC, gRPC-Web and Connect: the same core as `POST /v1/embeddings`. */
export function embeddingsService(gateway: Gateway): ServiceImpl<typeof EmbeddingsService> {
  return {
    async embed(req, ctx) {
      try {
        return await gateway.embed(req, rpcCall(gateway, ctx, "rpc"));
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
  };
}
