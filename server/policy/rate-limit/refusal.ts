import { GatewayError } from "../../errors/gateway-error.ts";
import type { LimitTake, TakeOutcome } from "../../state/limit-store.ts";
import { resetValue } from "./limit-headers.ts";
import type { LimitTable } from "./limit-table.ts";

/** When an in-flight limit refuses: nobody knows when a call ends, so a second, as Retry-After's unit. */
const IN_FLIGHT_RETRY_MS = 1000;

/**
 * The `rate_limited` error for a refused take, naming the limit and when
 * it has room again. A call whose token reservation alone is over a
 * limit can never pass: it is refused as not retryable, with no Retry-After.
 */
export function refusal(table: LimitTable, takes: readonly LimitTake[], outcome: TakeOutcome): GatewayError {
  const take = takes[outcome.refusedBy] as LimitTake;
  const label = table.label(take.key);
  if (take.cost > take.limit) {
    return new GatewayError(
      "rate_limited",
      `this request reserves about ${take.cost} tokens (its prompt and max_tokens), but ${label}: ` +
        "it can never be admitted; lower max_tokens or shorten the prompt",
      { retryable: false },
    );
  }
  if (take.windowMs === 0) {
    return new GatewayError("rate_limited", `rate limit reached: ${label}; retry when one of them ends`, {
      retryAfterMs: IN_FLIGHT_RETRY_MS,
    });
  }
  const retryAfterMs = outcome.retryAfterMs;
  return new GatewayError(
    "rate_limited",
    `rate limit reached: ${label}; the window resets in ${resetValue(retryAfterMs)}`,
    { retryAfterMs },
  );
}
