import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { UsageService } from "../../gen/llmgw/v1/usage_pb.js";
import type { Gateway } from "../core/gateway.ts";
import { invalidRequest } from "../errors/gateway-error.ts";
import { toConnectError } from "./connect-error.ts";
import { rpcCall } from "./rpc-call.ts";

const DAY_MS = 86_400_000;

/** UsageService: ledger totals, the same as `GET /v1/usage`. */
export function usageService(gateway: Gateway): ServiceImpl<typeof UsageService> {
  return {
    async getUsage(req, ctx) {
      try {
        const call = rpcCall(gateway, ctx, "rpc");
        const endMs = req.end === undefined ? Date.now() : timestampMs(req.end);
        const startMs = req.start === undefined ? endMs - 30 * DAY_MS : timestampMs(req.start);
        if (startMs > endMs) throw invalidRequest("start must not be after end", "start");
        const rows = await gateway.ledger.totals({
          startMs,
          endMs,
          key: gateway.usageKeyFilter(call.keyName, req.key),
          provider: req.provider,
          model: req.model,
        });
        return {
          rows: rows.map((row) => ({
            day: row.day,
            key: row.key,
            provider: row.provider,
            model: row.model,
            requests: BigInt(row.requests),
            errors: BigInt(row.errors),
            promptTokens: BigInt(row.promptTokens),
            completionTokens: BigInt(row.completionTokens),
            costUsd: row.costUsd,
            avgLatencyMs: row.avgLatencyMs,
          })),
        };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
  };
}
