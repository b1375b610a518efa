import type { Logger } from "pino";
import type { BudgetState } from "../../state/budget-store.ts";
import { type BudgetLimit, MICRO_USD } from "./budget-limits.ts";
import type { PeriodWindow } from "./budget-period.ts";
import { describeBudget } from "./budget-text.ts";

/** One threshold crossed, as the log line and the webhook body carry it. */
export interface BudgetAlert {
  readonly type: "budget.threshold";
  /** The budget's owner: `key:alice`, `team:search` or `global`. */
  readonly scope: string;
  readonly level: BudgetLimit["level"];
  readonly unit: BudgetLimit["unit"];
  /** `day:2026-12-01` or `month:2026-12`. */
  readonly period: string;
  /** The fraction of the cap crossed, e.g. 0.8. */
  readonly threshold: number;
  /** Settled spend after the call that crossed it, in USD or tokens. */
  readonly spent: number;
  readonly cap: number;
  readonly resets_at: string;
  readonly at: string;
}

/** Where alerts go besides the log. */
export interface AlertSinks {
  readonly log: Logger;
  /** The counter metric. */
  count(level: string, threshold: number): void;
  /** The webhook, when configured; it must never block or throw. */
  readonly webhook?: ((alert: BudgetAlert) => void) | undefined;
}

/** Integer counters against fractional thresholds: a hair of slack so 0.8 × cap is reached when it is. */
const SLACK = 1e-9;

/**
 * Alerts when a settlement carries a budget's spend across a threshold.
 * Spend only grows within a period and each settlement is atomic in the
 * store, so exactly one settlement crosses each threshold, on whichever
 * replica made it: each alert fires once per budget period, with no state
 * of its own to lose in a restart (spend seeded at start-up crosses nothing).
 */
export class BudgetAlerts {
  readonly #thresholds: readonly number[];
  readonly #sinks: AlertSinks;

  constructor(thresholds: readonly number[], sinks: AlertSinks) {
    this.#thresholds = [...new Set(thresholds)].sort((a, b) => a - b);
    this.#sinks = sinks;
  }

  /** Checks one settlement: `state` is the counter after it, `added` what it added to the spend. */
  observe(limit: BudgetLimit, window: PeriodWindow, state: BudgetState, added: number, now: number): void {
    if (added <= 0 || state.cap <= 0) return;
    const before = state.spent - added;
    for (const threshold of this.#thresholds) {
      const mark = threshold * state.cap - SLACK;
      if (before < mark && state.spent >= mark) this.#fire(limit, window, state, threshold, now);
    }
  }

  #fire(limit: BudgetLimit, window: PeriodWindow, state: BudgetState, threshold: number, now: number): void {
    const scale = limit.unit === "usd" ? MICRO_USD : 1;
    const alert: BudgetAlert = {
      type: "budget.threshold",
      scope: limit.scope.slice(limit.unit.length + 1),
      level: limit.level,
      unit: limit.unit,
      period: state.period,
      threshold,
      spent: state.spent / scale,
      cap: state.cap / scale,
      resets_at: new Date(window.resetMs).toISOString(),
      at: new Date(now).toISOString(),
    };
    const sinks = this.#sinks;
    sinks.log.warn(
      { budget: alert },
      `budget alert: ${describeBudget(limit)} reached ${Math.round(threshold * 100)} % of its cap`,
    );
    sinks.count(limit.level, threshold);
    sinks.webhook?.(alert);
  }
}
