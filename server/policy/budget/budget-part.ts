import type { Logger } from "pino";
import type { Call } from "../../core/call.ts";
import type { Outcome } from "../../core/end-hooks.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type {
  BudgetReservation,
  BudgetSettlement,
  BudgetState,
  ReserveOutcome,
} from "../../state/budget-store.ts";
import { StoreHealth } from "../store-health.ts";
import type { BudgetAlerts } from "./budget-alerts.ts";
import type { BudgetBackfiller } from "./budget-backfill.ts";
import { type BudgetLimit, type BudgetLimits, MICRO_USD, type Payer } from "./budget-limits.ts";
import type { PeriodClock, PeriodWindow } from "./budget-period.ts";
import { exhaustedMessage } from "./budget-text.ts";
import { worstCase } from "./worst-case.ts";

export interface BudgetPartDeps {
  readonly limits: BudgetLimits;
  readonly clock: PeriodClock;
  /** Completion tokens reserved for a request that sets no max_tokens. */
  readonly defaultMaxTokens: number;
  /** Admit (with a warning) when the store fails, instead of refusing with `unavailable`. */
  readonly failOpen: boolean;
  readonly alerts: BudgetAlerts | undefined;
  /** Told each budget's state after a settlement (the spend-ratio gauge). */
  readonly spend?: (limit: BudgetLimit, state: BudgetState) => void;
  readonly log: Logger;
  /** Told when the store starts failing (true) and answers again (false), for the degraded gauge. */
  readonly onDegraded?: (degraded: boolean) => void;
  /** Gives counters a shared store lost the spend the shared ledger recorded (Redis with PostgreSQL). */
  readonly backfill?: BudgetBackfiller | undefined;
}

/** What one call holds against its budgets, from admission until it is settled. */
export interface BudgetHold {
  readonly applicable: readonly BudgetLimit[];
  readonly windows: readonly PeriodWindow[];
  readonly reservations: readonly BudgetReservation[];
}

const WORDS = { store: "budget store", whenOpen: "calls are admitted unbudgeted (budgets.fail_open)" };

/** The caller of an open gateway: held only to the global budgets. */
const ANONYMOUS: Payer = { name: "", team: "" };

/**
 * The budgets' half of the quota policy (quota-policy.ts). Every budget
 * that applies to the call (its key's, its team's, the global ones; per day
 * and per month) holds the call's worst case in the same atomic admission:
 * - admitted only if every budget has room, so concurrent calls can never
 *   together pass a cap (a call may still spend past it when its real usage
 *   beats the estimate, by at most that difference);
 * - refused with `budget_exhausted`, naming the budget and when it resets;
 * - settled at the outcome's cost and tokens (a stream cut short carries
 *   what it streamed); a call that consumed nothing is released.
 * The worst case is priced on the deployments the plan may try, so the
 * quota policy runs after route.
 */
export class BudgetPart {
  readonly #deps: BudgetPartDeps;
  readonly health: StoreHealth;
  readonly failOpen: boolean;

  constructor(deps: BudgetPartDeps) {
    this.#deps = deps;
    this.failOpen = deps.failOpen;
    // Failures and recovery go to the log throttled, not one line per call.
    this.health = new StoreHealth(deps.log, deps.failOpen, WORDS, deps.onDegraded);
  }

  /** What the call holds, or undefined when no budget applies to it. */
  prepare(call: Call): BudgetHold | undefined {
    const { limits, clock } = this.#deps;
    const applicable = limits.for(call.key ?? ANONYMOUS);
    if (applicable.length === 0) return undefined;
    const worst = worstCase(call, this.#deps.defaultMaxTokens);
    const windows = applicable.map((l) => clock.current(l.period));
    const reservations = applicable.map(
      (l, i): BudgetReservation => ({
        scope: l.scope,
        period: (windows[i] as PeriodWindow).name,
        amount: l.unit === "usd" ? worst.microUsd : worst.tokens,
        cap: l.cap,
      }),
    );
    return { applicable, windows, reservations };
  }

  /**
   * Throws `budget_exhausted` when the store refused the hold. Counters the
   * store says have not had their earlier spend yet are handed to the
   * backfill, admitted or not.
   */
  decide(hold: BudgetHold, decision: ReserveOutcome): void {
    if (decision.unseeded !== undefined) this.#deps.backfill?.fill(hold, decision.unseeded);
    if (decision.admitted) return;
    const i = Math.max(decision.refusedBy, 0);
    const message = exhaustedMessage(
      hold.applicable[i] as BudgetLimit,
      decision.states[i] as BudgetState,
      (hold.reservations[i] as BudgetReservation).amount,
      hold.windows[i] as PeriodWindow,
      this.#deps.clock.zone,
    );
    throw new GatewayError("budget_exhausted", message);
  }

  /** The settlements that turn the call's reservations into its real spend (0 releases them). */
  settlements(hold: BudgetHold, outcome: Outcome): BudgetSettlement[] {
    const usage = outcome.usage;
    const tokens = usage === undefined ? 0 : usage.promptTokens + usage.completionTokens;
    const microUsd = outcome.costUsd === undefined ? 0 : Math.round(outcome.costUsd * MICRO_USD);
    return hold.reservations.map((r, i) => ({
      scope: r.scope,
      period: r.period,
      reserved: r.amount,
      actual: (hold.applicable[i] as BudgetLimit).unit === "usd" ? microUsd : tokens,
      cap: r.cap,
    }));
  }

  /** Checks the alerts against the budgets' states after a settlement. */
  settled(hold: BudgetHold, settlements: readonly BudgetSettlement[], states: readonly BudgetState[]): void {
    const spend = this.#deps.spend;
    if (spend !== undefined)
      for (let i = 0; i < states.length; i++)
        spend(hold.applicable[i] as BudgetLimit, states[i] as BudgetState);
    const alerts = this.#deps.alerts;
    if (alerts === undefined) return;
    const now = this.#deps.clock.now();
    for (let i = 0; i < states.length; i++) {
      alerts.observe(
        hold.applicable[i] as BudgetLimit,
        hold.windows[i] as PeriodWindow,
        states[i] as BudgetState,
        (settlements[i] as BudgetSettlement).actual,
        now,
      );
    }
  }

  /** A settlement that failed: its reservation stays held until the period ends. */
  settleFailed(call: Call, error: unknown): void {
    this.health.failed("settle", error);
    this.#deps.log.error(
      { requestId: call.requestId, err: error },
      "a budget settlement failed: the call's reservation stays held until the period ends",
    );
  }
}
