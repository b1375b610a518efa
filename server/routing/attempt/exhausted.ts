import { GatewayError } from "../../errors/gateway-error.ts";
import type { Deployment } from "../deployment.ts";

/** One failed attempt of a call. */
export interface Failure {
  readonly deployment: Deployment;
  readonly error: GatewayError;
}

/**
 * The one error a caller gets when every attempt failed. One deployment
 * tried: its own error, unchanged. Several: an error that lists each
 * deployment and why it failed, with their shared code when they all failed
 * alike (every queue full is still a 429 with the soonest Retry-After),
 * else `upstream_unavailable`.
 */
export function exhausted(model: string, failures: readonly Failure[]): GatewayError {
  const last = failures[failures.length - 1];
  if (last === undefined) return new GatewayError("internal", `no deployment of "${model}" was tried`);
  if (failures.every((f) => f.deployment === last.deployment)) return last.error;
  const code = failures.every((f) => f.error.code === last.error.code)
    ? last.error.code
    : "upstream_unavailable";
  let retryAfterMs: number | undefined;
  for (const { error } of failures) {
    if (error.retryAfterMs !== undefined)
      retryAfterMs = Math.min(retryAfterMs ?? error.retryAfterMs, error.retryAfterMs);
  }
  const tried = failures.map((f) => `${f.deployment.id} (${f.error.code}: ${f.error.message})`).join("; ");
  return new GatewayError(code, `every deployment of "${model}" failed: ${tried}`, {
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    retryable: failures.some((f) => f.error.retryable),
    cause: last.error,
  });
}
