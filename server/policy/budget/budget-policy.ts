import type { Logger } from "pino";
import type { Call } from "../../core/call.ts";
import type { Policy } from "../../core/chain.ts";
import type { Outcome } from "../../core/end-hooks.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type {
  BudgetReservation,
  BudgetState,
  BudgetStore,
  ReserveOutcome,
} from "../../state/budget-store.ts";
import { StoreHealth } from "../store-health.ts";
import type { BudgetAlerts } from "./budget-alerts.ts";
import { type BudgetLimit, type BudgetLimits, MICRO_USD, type Payer } from "./budget-limits.ts";
import type { PeriodClock, PeriodWindow } from "./budget-period.ts";
import { exhaustedMessage } from "./budget-text.ts";
import { worstCase } from "./worst-case.ts";

export interface BudgetPolicyDeps {
  readonly limits: BudgetLimits;
  readonly store: BudgetStore;
  readonly clock: PeriodClock;
  /** Completion tokens reserved for a request that sets no max_tokens. */
  readonly defaultMaxTokens: number;
  /** Admit (with a warning) when the store fails, instead of refusing with `unavailable`. */
  readonly failOpen: boolean;
  readonly alerts: BudgetAlerts | undefined;
  readonly log: Logger;
  /** Told when the store starts failing (true) and answers again (false), for the degraded gauge. */
  readonly onDegraded?: (degraded: boolean) => void;
}

const WORDS = { store: "budget store", whenOpen: "calls are admitted unbudgeted (budgets.fail_open)" };

/** The caller of an open gateway: held only to the global budgets. */
const ANONYMOUS: Payer = { name: "", team: "" };

/**
 * Holds every budget that applies to the call (its key's, its team's, the
 * global ones; per day and per month) in one atomic `reserve` of the call's
 * worst case, and settles the real cost when the call ends:
 * - admitted only if every budget has room, so concurrent calls can never
 *   together pass a cap (a call may still spend past it when its real usage
 *   beats the estimate, by at most that difference);
 * - refused with `budget_exhausted`, naming the budget and when it resets;
 * - settled at the outcome's cost and tokens (a stream cut short carries
 *   what it streamed); a call that consumed nothing is released.
 * It runs after route, so the worst case is priced on the deployments the
 * plan may try, and after the cache (a hit costs nothing and is never held).
 * A store failure refuses with `unavailable` (retryable), or admits with a
 * warning when `fail_open` says so.
 */
export function budgetPolicy(deps: BudgetPolicyDeps): Policy {
  const { limits, store, clock } = deps;
  // Failures and recovery go to the log throttled, not one line per call.
  const health = new StoreHealth(deps.log, deps.failOpen, WORDS, deps.onDegraded);
  return (next) => async (call) => {
    const applicable = limits.for(call.key ?? ANONYMOUS);
    if (applicable.length === 0) return next(call);
    const worst = worstCase(call, deps.defaultMaxTokens);
    const windows = applicable.map((l) => clock.current(l.period));
    const reservations = applicable.map(
      (l, i): BudgetReservation => ({
        scope: l.scope,
        period: (windows[i] as PeriodWindow).name,
        amount: l.unit === "usd" ? worst.microUsd : worst.tokens,
        cap: l.cap,
      }),
    );
    let decision: ReserveOutcome;
    try {
      decision = await store.reserve(reservations);
    } catch (error) {
      health.failed("reserve", error);
      if (deps.failOpen) return next(call);
      throw new GatewayError("unavailable", "budgets cannot be checked right now; retry the request", {
        cause: error,
      });
    }
    if (health.degraded) health.recovered();
    if (!decision.admitted) throw refusal(applicable, reservations, windows, decision, clock.zone);
    call.end.onEnd((outcome) => settle(deps, health, applicable, windows, reservations, outcome, call));
    return next(call);
  };
}

function refusal(
  applicable: readonly BudgetLimit[],
  reservations: readonly BudgetReservation[],
  windows: readonly PeriodWindow[],
  decision: ReserveOutcome,
  zone: string,
): GatewayError {
  const i = Math.max(decision.refusedBy, 0);
  const message = exhaustedMessage(
    applicable[i] as BudgetLimit,
    decision.states[i] as BudgetState,
    (reservations[i] as BudgetReservation).amount,
    windows[i] as PeriodWindow,
    zone,
  );
  return new GatewayError("budget_exhausted", message);
}

/** Turns the call's reservations into its real spend (0 releases them), then checks the alerts. */
function settle(
  deps: BudgetPolicyDeps,
  health: StoreHealth,
  applicable: readonly BudgetLimit[],
  windows: readonly PeriodWindow[],
  reservations: readonly BudgetReservation[],
  outcome: Outcome,
  call: Call,
): void {
  const usage = outcome.usage;
  const tokens = usage === undefined ? 0 : usage.promptTokens + usage.completionTokens;
  const microUsd = outcome.costUsd === undefined ? 0 : Math.round(outcome.costUsd * MICRO_USD);
  const settlements = reservations.map((r, i) => ({
    scope: r.scope,
    period: r.period,
    reserved: r.amount,
    actual: (applicable[i] as BudgetLimit).unit === "usd" ? microUsd : tokens,
    cap: r.cap,
  }));
  deps.store.settle(settlements).then(
    (states) => {
      const alerts = deps.alerts;
      if (alerts === undefined) return;
      const now = deps.clock.now();
      for (let i = 0; i < states.length; i++) {
        const added = (settlements[i] as { actual: number }).actual;
        alerts.observe(
          applicable[i] as BudgetLimit,
          windows[i] as PeriodWindow,
          states[i] as BudgetState,
          added,
          now,
        );
      }
    },
    (error: unknown) => {
      health.failed("settle", error);
      deps.log.error(
        { requestId: call.requestId, err: error },
        "a budget settlement failed: the call's reservation stays held until the period ends",
      );
    },
  );
}
