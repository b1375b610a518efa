import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { type UsageService, WatchUsageResponseSchema } from "../../gen/llmgw/v1/usage_pb.js";
import { WINDOW_MS } from "../core/latency-window.ts";
import type { GatewayServices } from "../core/services.ts";
import { MAX_BATCH_MS } from "../core/usage-feed.ts";
import { GatewayError, invalidRequest } from "../errors/gateway-error.ts";
import { toConnectError } from "./connect-error.ts";
import { rpcCredential } from "./rpc-call.ts";

/** UsageService: ledger totals, from the same query service as `GET /v1/usage`, and the live feed. */
export function usageService(services: GatewayServices): ServiceImpl<typeof UsageService> {
  return {
    async getUsage(req, ctx) {
      try {
        const requestId = ctx.responseHeader.get("x-request-id") ?? "";
        const caller = services.auth.authenticate(rpcCredential(ctx), requestId);
        const report = await services.usage.query(caller, {
          startMs: req.start === undefined ? undefined : timestampMs(req.start),
          endMs: req.end === undefined ? undefined : timestampMs(req.end),
          key: req.key,
          team: req.team,
          provider: req.provider,
          model: req.model,
        });
        return {
          rows: report.rows.map((row) => ({
            day: row.day,
            key: row.key,
            team: row.team,
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

    async getStats(req, ctx) {
      try {
        const requestId = ctx.responseHeader.get("x-request-id") ?? "";
        const caller = services.auth.authenticate(rpcCredential(ctx), requestId);
        if (!caller.admin)
          throw new GatewayError("permission_denied", "only admin keys may read the gateway's stats");
        return {
          windowSeconds: WINDOW_MS / 1000,
          stats: services.latencies.stats(Date.now(), req.provider, req.model).map((s) => ({
            ...s,
            requests: BigInt(s.requests),
            errors: BigInt(s.errors),
          })),
        };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async *watchUsage(req, ctx) {
      try {
        const requestId = ctx.responseHeader.get("x-request-id") ?? "";
        const caller = services.auth.authenticate(rpcCredential(ctx), requestId);
        if (req.batchMs > MAX_BATCH_MS)
          throw invalidRequest(`batch_ms may be at most ${MAX_BATCH_MS}`, "batch_ms");
        const events = services.usageFeed.watch(
          caller,
          { key: req.key, model: req.model, team: req.team },
          ctx.signal,
        );
        if (req.batchMs === 0) {
          for await (const event of events) yield create(WatchUsageResponseSchema, { event });
        } else {
          for await (const batch of events.batches(req.batchMs))
            yield create(WatchUsageResponseSchema, { events: batch });
        }
        // The feed ends only when ctx.signal fires. At the caller's deadline that is DEADLINE_EXCEEDED,
        // never OK: a client must not read a watch cut off by its own deadline as one that finished.
        if (deadlineReached(ctx.signal))
          throw new GatewayError("deadline_exceeded", "the watch reached the caller's deadline; watch again");
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
  };
}

/** True when `signal` fired at the call's deadline (Connect's handler context and ours abort with DeadlineExceeded). */
function deadlineReached(signal: AbortSignal): boolean {
  return (
    signal.aborted && signal.reason instanceof ConnectError && signal.reason.code === Code.DeadlineExceeded
  );
}
