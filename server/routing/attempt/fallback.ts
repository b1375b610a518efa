import type { Call, RoutePlan } from "../../core/call.ts";
import type { Answer, Attempt, Next } from "../../core/chain.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { Deployment } from "../deployment.ts";
import { backoffMs, type RetrySettings, sleep } from "./backoff.ts";
import { exhausted, type Failure } from "./exhausted.ts";

/**
 * Runs a call over its plan's deployments until one answers: the first, then
 * each fallback in order, then (with backoff and full jitter, honouring a
 * short enough Retry-After) round again over those worth retrying, within
 * `maxAttempts` upstream attempts in all (fallbacks count; a deployment
 * skipped for a full queue or an open circuit does not) and the caller's deadline (the wait is
 * cut short when the call's signal fires).
 *
 * An attempt only fails here before its commit point (a stream's first
 * token): after it the stream is the caller's and ends with an error event.
 * A deployment leaves the rotation of this call when its error says retrying
 * it will not help (a full queue, an open circuit, a non-retryable error, a
 * Retry-After longer than the cap). An error that is the request's own fault
 * (a 400, a body too large) is the caller's answer at once.
 */
export function fallbackOverPlan(settings: RetrySettings, attempt: Attempt): Next {
  return (call) => {
    const plan = call.plan;
    if (plan === undefined)
      return Promise.reject(new GatewayError("internal", "the call reached execution without a route"));
    const first = plan.deployments[0] as Deployment;
    const count = plan.fallback ? plan.deployments.length : 1;
    if (count === 1 && settings.maxAttempts === 1) return attempt(call, first);
    // The first attempt on its own, with no loop around it: most calls end here.
    return attempt(call, first).catch((error: unknown) =>
      afterFailure(call, plan, count, settings, attempt, {
        deployment: first,
        error: GatewayError.from(error),
      }),
    );
  };
}

/** The rest of the loop, once the first attempt has failed. */
async function afterFailure(
  call: Call,
  plan: RoutePlan,
  count: number,
  settings: RetrySettings,
  attempt: Attempt,
  firstFailure: Failure,
): Promise<Answer> {
  const deployments = plan.deployments;
  const failures: Failure[] = [firstFailure];
  let retired: boolean[] | undefined;
  for (let round = 0; ; round++) {
    let tried = false;
    for (let i = 0; i < count; i++) {
      if (round === 0 && i === 0) {
        // The first attempt, already made.
        tried = true;
      } else {
        if (retired?.[i] === true) continue;
        if (call.attempts >= settings.maxAttempts) break;
        const deployment = deployments[i] as Deployment;
        if (round > 0) {
          const wait = backoffMs(settings, round, lastRetryAfter(failures, deployment));
          // A retry that could not even start before the caller's deadline is not worth waiting for.
          if (performance.now() + wait >= call.deadline) break;
          await sleep(wait, call.signal);
        }
        tried = true;
        // For the metrics: a later round goes back to a deployment already tried, the first moves on down the plan.
        if (round > 0) call.retries++;
        else call.fallbacks++;
        const answer = await attemptOrFailure(call, deployment, attempt, failures);
        if (answer !== undefined) return answer;
      }
      const error = (failures[failures.length - 1] as Failure).error;
      if (isFinal(error, call)) throw error;
      if (!worthRetrying(error, settings)) {
        retired ??= new Array<boolean>(count).fill(false);
        retired[i] = true;
      }
    }
    // Rounds are bounded too: an attempt refused before it reached the upstream does not count as one.
    if (!tried || call.attempts >= settings.maxAttempts || round + 1 >= settings.maxAttempts) break;
  }
  throw exhausted(plan.requested, failures);
}

/** Runs one attempt; a failure is recorded and returned as undefined. */
async function attemptOrFailure(
  call: Call,
  deployment: Deployment,
  attempt: Attempt,
  failures: Failure[],
): Promise<Answer | undefined> {
  try {
    return await attempt(call, deployment);
  } catch (error) {
    failures.push({ deployment, error: GatewayError.from(error) });
    return undefined;
  }
}

/** Errors that end the call at once: the caller left, or the request itself is at fault. */
function isFinal(error: GatewayError, call: Call): boolean {
  if (call.signal.aborted) return true;
  switch (error.code) {
    case "invalid_request":
    case "payload_too_large":
    case "upstream_response_too_large":
    case "cancelled":
    case "deadline_exceeded":
      return true;
    default:
      return false;
  }
}

/** Whether the same deployment may be tried again in this call. */
function worthRetrying(error: GatewayError, settings: RetrySettings): boolean {
  if (!error.retryable) return false;
  // A full queue, a queue waited out, or an open circuit will not have changed by the next round.
  if (error.code === "queue_full" || error.code === "queue_timeout" || error.code === "circuit_open")
    return false;
  return (error.retryAfterMs ?? 0) <= settings.maxRetryAfterMs;
}

function lastRetryAfter(failures: readonly Failure[], deployment: Deployment): number | undefined {
  for (let i = failures.length - 1; i >= 0; i--) {
    const failure = failures[i] as Failure;
    if (failure.deployment === deployment) return failure.error.retryAfterMs;
  }
  return undefined;
}
