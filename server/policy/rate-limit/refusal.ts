import { GatewayError } from "../../errors/gateway-error.ts";
import type { LimitTake, TakeOutcome } from "../../state/limit-store.ts";
import { resetValue } from "./limit-headers.ts";
import type { LimitTable } from "./limit-table.ts";

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
  const retryAfterMs = outcome.retryAfterMs;
  const when =
    take.windowMs === 0 ? "retry when one of them ends" : `the window resets in ${resetValue(retryAfterMs)}`;
  return new GatewayError("rate_limited", `rate limit reached: ${label}; ${when}`, { retryAfterMs });
}
