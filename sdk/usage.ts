import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { CallOptions } from "@connectrpc/connect";
import type { LatencyStats, UsageEvent } from "../gen/llmgw/v1/usage_pb.js";
import type { LlmgwClient } from "./client.ts";
import { cancelOnExit } from "./streams.ts";

/** What the usage helpers need of a client. */
export type UsageClient = Pick<LlmgwClient, "usage">;

/** What `getUsage` may narrow the ledger to; every field is optional. */
export interface UsageFilter {
  /** Inclusive; 30 days before `end` when unset. */
  readonly start?: Date;
  /** Exclusive; now when unset. */
  readonly end?: Date;
  /** One key's usage; naming another key than the caller's needs an admin key. */
  readonly key?: string;
  readonly team?: string;
  readonly provider?: string;
  readonly model?: string;
}

/** Ledger totals for one UTC day, key, team, provider and model, in plain numbers. */
export interface UsageTotals {
  readonly day: string;
  readonly key: string;
  readonly team: string;
  readonly provider: string;
  readonly model: string;
  readonly requests: number;
  readonly errors: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  readonly avgLatencyMs: number;
}

/**
 * The usage ledger's totals. A key that is not an admin key sees only its own rows.
 *
 * @example
 * const rows = await getUsage(llmgw, { start: new Date(Date.now() - 86_400_000) });
 */
export async function getUsage(
  client: UsageClient,
  filter: UsageFilter = {},
  call?: CallOptions,
): Promise<UsageTotals[]> {
  const { rows } = await client.usage.getUsage(
    {
      key: filter.key ?? "",
      team: filter.team ?? "",
      provider: filter.provider ?? "",
      model: filter.model ?? "",
      ...(filter.start === undefined ? {} : { start: timestampFromDate(filter.start) }),
      ...(filter.end === undefined ? {} : { end: timestampFromDate(filter.end) }),
    },
    call,
  );
  return rows.map((r) => ({
    day: r.day,
    key: r.key,
    team: r.team,
    provider: r.provider,
    model: r.model,
    requests: Number(r.requests),
    errors: Number(r.errors),
    promptTokens: Number(r.promptTokens),
    completionTokens: Number(r.completionTokens),
    costUsd: r.costUsd,
    avgLatencyMs: r.avgLatencyMs,
  }));
}

/** One finished request, as the live feed tells it, its time as a Date. */
export interface UsageTick extends Omit<UsageEvent, "$typeName" | "time"> {
  readonly time: Date;
}

/**
 * Every request's end, live, as it happens: an endless stream until the
 * reader stops (`break`) or `call.signal` fires, either of which cancels the
 * RPC. A key that is not an admin key sees only its own requests; filtering
 * on another key needs an admin key.
 *
 * @example
 * for await (const tick of watchUsage(llmgw, { model: "gpt-4o" }, { signal })) {
 *   console.log(tick.key, tick.status, tick.latencyMs, tick.costUsd);
 * }
 */
export async function* watchUsage(
  client: UsageClient,
  filter: {
    readonly key?: string;
    readonly team?: string;
    readonly model?: string;
    /** Have the gateway send the events ended within this many ms together: one message per window. */
    readonly batchMs?: number;
  } = {},
  call: CallOptions = {},
): AsyncGenerator<UsageTick> {
  const request = {
    key: filter.key ?? "",
    team: filter.team ?? "",
    model: filter.model ?? "",
    batchMs: filter.batchMs ?? 0,
  };
  const answers = cancelOnExit(
    (signal) => client.usage.watchUsage(request, { ...call, signal }),
    call.signal,
  );
  for await (const { event, events } of answers) {
    for (const one of event === undefined ? events : [event]) {
      const { $typeName: _, time, ...rest } = one;
      yield { ...rest, time: time === undefined ? new Date(0) : timestampDate(time) };
    }
  }
}

/** Latency and TTFT percentiles per provider and model, in plain numbers. */
export interface LatencyFigures extends Omit<LatencyStats, "$typeName" | "requests" | "errors"> {
  readonly requests: number;
  readonly errors: number;
}

/**
 * Latency and TTFT percentiles over the last window (`windowSeconds`), per
 * provider and model, optionally only one's. Admin keys only.
 */
export async function getStats(
  client: UsageClient,
  filter: { readonly provider?: string; readonly model?: string } = {},
  call?: CallOptions,
): Promise<{ windowSeconds: number; stats: LatencyFigures[] }> {
  const answer = await client.usage.getStats(
    { provider: filter.provider ?? "", model: filter.model ?? "" },
    call,
  );
  return {
    windowSeconds: answer.windowSeconds,
    stats: answer.stats.map(({ $typeName: _, requests, errors, ...rest }) => ({
      ...rest,
      requests: Number(requests),
      errors: Number(errors),
    })),
  };
}
