import type { CallLimits, LimitReading } from "../../core/call.ts";

/**
 * The `x-ratelimit-*` headers, as OpenAI sends them: limit and remaining as
 * integers, reset as a Go-style duration ("20ms", "1s", "6m0s", "1h0m0s"),
 * so clients that read OpenAI's headers (and their own backoff) work as is.
 */

/** Calls `set(target, name, value)` for each header; `set` is a module-level function, so nothing is allocated per call for it. */
export function writeLimitHeaders<T>(
  limits: CallLimits,
  target: T,
  set: (target: T, name: string, value: string) => void,
): void {
  const requests = limits.requests;
  if (requests !== undefined) write(requests, REQUESTS, target, set);
  const tokens = limits.tokens;
  if (tokens !== undefined) write(tokens, TOKENS, target, set);
}

interface HeaderNames {
  readonly limit: string;
  readonly remaining: string;
  readonly reset: string;
}

const REQUESTS: HeaderNames = {
  limit: "x-ratelimit-limit-requests",
  remaining: "x-ratelimit-remaining-requests",
  reset: "x-ratelimit-reset-requests",
};
const TOKENS: HeaderNames = {
  limit: "x-ratelimit-limit-tokens",
  remaining: "x-ratelimit-remaining-tokens",
  reset: "x-ratelimit-reset-tokens",
};

function write<T>(
  reading: LimitReading,
  names: HeaderNames,
  target: T,
  set: (target: T, name: string, value: string) => void,
): void {
  set(target, names.limit, String(reading.limit));
  set(target, names.remaining, String(Math.max(0, Math.floor(reading.remaining))));
  set(target, names.reset, resetValue(reading.resetMs));
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** A duration in ms as Go's `time.Duration.String` writes it, which OpenAI's reset headers use. */
export function resetValue(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole === 0) return "0s";
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / HOUR);
  const minutes = Math.floor((whole % HOUR) / MINUTE);
  const seconds = `${(whole % MINUTE) / 1000}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}
