import type { RoutingConfig } from "../../config/routing-schema.ts";
import { GatewayError } from "../../errors/gateway-error.ts";

/** Retry timing, from `routing.retry`. */
export interface RetrySettings {
  /** Upstream attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** The longest upstream Retry-After waited for; a longer one retires the deployment for this call. */
  readonly maxRetryAfterMs: number;
}

/**
 * The wait before retry number `retry` (1 for the first) of a deployment
 * already tried: exponential backoff with full jitter (a random wait between
 * 0 and base × 2^(retry−1), capped), and never less than the upstream's
 * Retry-After.
 */
export function backoffMs(
  settings: RetrySettings,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(GatewayError.from(signal.reason));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(GatewayError.from(signal.reason));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The config file's `routing.retry`, as the fallback loop reads it. */
export function retrySettings(retry: RoutingConfig["retry"]): RetrySettings {
  return {
    maxAttempts: retry.max_attempts,
    baseDelayMs: retry.base_delay_ms,
    maxDelayMs: retry.max_delay_ms,
    maxRetryAfterMs: retry.max_retry_after_ms,
  };
}
