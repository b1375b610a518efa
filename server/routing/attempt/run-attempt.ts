import type { Call } from "../../core/call.ts";
import type { Answer, Attempt } from "../../core/chain.ts";
import { embedOnRoute } from "../../core/embed.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { Breaker, Deployment, SlotQueue } from "../deployment.ts";
import { recordAttempt } from "../deployment-stats.ts";
import { AttemptRun } from "./attempt-run.ts";
import { GatedStream } from "./gated-stream.ts";
import { forwardOn } from "./raw-attempt.ts";

/**
 * Each provider's bound on waiting for one of its upstream connections (its
 * `connections`, `max_pending` and `pending_timeout_ms`): without it a
 * request past the pool's size would wait in undici's queue with no limit
 * and no timeout.
 */
export type ConnectionPools = ReadonlyMap<string, SlotQueue>;

/**
 * One attempt on one deployment, in DESIGN's order: the breaker (an open
 * circuit is skipped before it could take a queue slot), the queue, the
 * provider's connection pool, the breaker's admission (a half-open circuit
 * lets one probe through), then the
 * upstream call under the deployment's timeouts. A stream is handed on at
 * its first token. Whatever happens, the slot, the breaker and the
 * statistics hear once how the attempt ended.
 */
export function attemptOn(pools: ConnectionPools): Attempt {
  return async (call, deployment) => {
    const { breaker, queue } = deployment.live;
    if (breaker !== undefined && breaker.state === "open") throw circuitOpen(deployment);
    const priority = call.plan?.priority ?? 0;
    let release: (() => void) | undefined;
    if (queue !== undefined) {
      const slot = queue.acquire(priority, call.signal);
      release = typeof slot === "function" ? slot : await timed(slot, call);
    }
    const pool = pools.get(deployment.provider);
    let connection: (() => void) | undefined;
    let breakerSettle: ((failed: boolean) => void) | undefined;
    try {
      if (pool !== undefined) {
        const slot = pool.acquire(priority, call.signal);
        connection = typeof slot === "function" ? slot : await timed(slot, call);
      }
      if (breaker !== undefined) breakerSettle = breaker.admit();
    } catch (error) {
      connection?.();
      release?.();
      throw error;
    }
    return start(call, deployment, release, connection, breakerSettle);
  };
}

/** Waits for a queued slot, counting the wait as the call's queue time. */
async function timed(slot: Promise<() => void>, call: Call): Promise<() => void> {
  const waitStarted = performance.now();
  try {
    return await slot;
  } finally {
    call.queueMs += performance.now() - waitStarted;
  }
}

/** Starts the attempt proper, once its slots are held: one async step from here to the upstream's answer. */
async function start(
  call: Call,
  deployment: Deployment,
  release: (() => void) | undefined,
  connection: (() => void) | undefined,
  breakerSettle: ((failed: boolean) => void) | undefined,
): Promise<Answer> {
  const run = new AttemptRun(call.signal, call.requestId, deployment, call.stream, call);
  if (call.trace !== undefined) run.traceparent = call.trace.upstream;
  if (release !== undefined) run.onSettle(release);
  if (connection !== undefined) run.onSettle(connection);
  if (breakerSettle !== undefined) {
    const settle = breakerSettle;
    const breaker = deployment.live.breaker;
    run.onSettle((error, r) => settle(error !== undefined && breakerCounts(error, r, breaker)));
  }
  run.onSettle(recordOutcome);
  deployment.live.stats.inFlight++;
  call.served = deployment;
  call.attempts++;
  try {
    const raw = call.raw;
    if (raw !== undefined) return await forwardOn(call, raw, deployment, run);
    if (call.op === "embed") {
      const response = await embedOnRoute(deployment, decoded(call.embed), run);
      run.settle(undefined);
      return { kind: "embed", response };
    }
    const chat = decoded(call.chat);
    if (call.stream) {
      const events = await deployment.adapter.stream(chat, deployment.model, run);
      return { kind: "stream", events: await GatedStream.open(events, run) };
    }
    const response = await deployment.adapter.complete(chat, deployment.model, run);
    run.settle(undefined);
    return { kind: "complete", response };
  } catch (error) {
    const failure = GatewayError.from(error);
    run.settle(failure);
    throw failure;
  }
}

/** Keeps the deployment's statistics: in flight, latency, time to first token, failures. */
function recordOutcome(error: GatewayError | undefined, run: AttemptRun): void {
  const stats = run.deployment.live.stats;
  stats.inFlight--;
  // A request the caller withdrew, or one the upstream rightly refused, says nothing about the deployment.
  if (error !== undefined && !isDeploymentFault(error, run)) return;
  const now = performance.now();
  const tokens = run.tokenEvents;
  recordAttempt(
    stats,
    {
      failed: error !== undefined,
      latencyMs: now - run.startedAt,
      ttftMs: tokens > 0 ? run.firstTokenAt - run.startedAt : undefined,
      interTokenMs: tokens > 1 ? (now - run.firstTokenAt) / (tokens - 1) : undefined,
    },
    Date.now(),
  );
}

/**
 * Whether the breaker hears an attempt's end as a failure: the deployment's
 * own failures, and a half-open probe whose caller left before it could tell
 * (a probe that proved nothing must not close the circuit).
 */
function breakerCounts(error: GatewayError, run: AttemptRun, breaker: Breaker | undefined): boolean {
  return isDeploymentFault(error, run) || (run.callerGone && breaker?.state === "half_open");
}

/** Whether an attempt's error is the deployment's failure (what breakers and health count). */
export function isDeploymentFault(error: GatewayError, run: AttemptRun): boolean {
  if (run.callerGone) return false;
  switch (error.code) {
    case "upstream_error":
    case "upstream_unavailable":
    case "upstream_timeout":
    case "upstream_rate_limited":
    case "first_token_timeout":
    case "inter_token_timeout":
      return true;
    default:
      return false;
  }
}

function circuitOpen(deployment: Deployment): GatewayError {
  return new GatewayError(
    "circuit_open",
    `deployment ${deployment.id} is failing; its circuit breaker is open`,
    { provider: deployment.provider },
  );
}

function decoded<T>(request: T | undefined): T {
  if (request === undefined) throw new GatewayError("internal", "the call reached execution undecoded");
  return request;
}
