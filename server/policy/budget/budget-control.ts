import type { BudgetPeriod } from "../../config/budgets-schema.ts";
import { invalidRequest } from "../../errors/gateway-error.ts";
import type { BudgetCapStore } from "../../state/budget-cap-store.ts";
import type { BudgetStore } from "../../state/budget-store.ts";
import { type BudgetLimit, type BudgetLimits, checkScope, MICRO_USD, type Payer } from "./budget-limits.ts";
import type { PeriodClock } from "./budget-period.ts";

/** One budget's standing in its current period, in USD or tokens. */
export interface BudgetView {
  /** `key:alice`, `team:search` or `global`. */
  readonly scope: string;
  readonly level: BudgetLimit["level"];
  readonly unit: BudgetLimit["unit"];
  readonly periodKind: BudgetPeriod;
  /** `day:2026-12-01` or `month:2026-12`. */
  readonly period: string;
  readonly spent: number;
  /** Held by calls in flight. */
  readonly reserved: number;
  readonly cap: number;
  /** Date.now() at which the period ends. */
  readonly resetsAtMs: number;
}

/**
 * The stored keys (created at runtime), which may carry budgets of their
 * own: how BudgetService finds them, since they are not in the config.
 */
export interface StoredPayers {
  /** The live stored key of that name, as the policy charges it (its own budgets included); undefined for none. */
  payer(name: string): Payer | undefined;
  /** Every live stored key, as `payer` gives it. */
  payers(): Payer[];
}

const NO_STORED: StoredPayers = { payer: () => undefined, payers: () => [] };

/**
 * Budgets as BudgetService shows and changes them: the budgets of the
 * configured and stored keys, their teams and the global ones, as the store
 * holds them now, and runtime changes to their caps.
 */
export class BudgetControl {
  readonly #store: BudgetStore;
  readonly #limits: BudgetLimits;
  readonly #clock: PeriodClock;
  readonly #payers: readonly Payer[];

  readonly #caps: BudgetCapStore | undefined;
  readonly #stored: StoredPayers;

  /**
   * With `caps` (distributed), a change is stored there and every replica
   * applies it; without, it holds on this process only.
   */
  constructor(
    store: BudgetStore,
    limits: BudgetLimits,
    clock: PeriodClock,
    payers: readonly Payer[],
    caps?: BudgetCapStore,
    stored: StoredPayers = NO_STORED,
  ) {
    this.#store = store;
    this.#limits = limits;
    this.#clock = clock;
    this.#payers = payers;
    this.#caps = caps;
    this.#stored = stored;
  }

  /** A configured or stored key by name, with its team (and a stored key's own budgets); undefined for a name no key has. */
  payer(name: string): Payer | undefined {
    return this.#payers.find((p) => p.name === name) ?? this.#stored.payer(name);
  }

  /**
   * Replaces one scope's caps for one period (see BudgetLimits.set) and
   * returns that scope's budgets. Distributed, every replica applies it.
   */
  async set(
    scope: string,
    period: BudgetPeriod,
    caps: { usd?: number; tokens?: number },
  ): Promise<BudgetView[]> {
    checkScope(scope);
    if (scope.startsWith("key:") && this.#stored.payer(scope.slice(4))?.budgets !== undefined) {
      throw invalidRequest(
        `key "${scope.slice(4)}" has budgets of its own: change them with KeysService.UpdateKey`,
        "scope",
      );
    }
    // Shared first: a change that could not be stored is refused (unavailable), not applied here alone.
    await this.#caps?.put({ scope, period, ...caps });
    this.#limits.set(scope, period, caps);
    return (await this.list()).filter((view) => view.scope === scope);
  }

  /** Every budget that applies to one payer: key first, then team, then global. */
  forPayer(payer: Payer): Promise<BudgetView[]> {
    return Promise.all(this.#limits.for(payer).map((limit) => this.#view(limit)));
  }

  /** Every configured budget, once each. */
  async list(): Promise<BudgetView[]> {
    const seen = new Map<string, BudgetLimit>();
    for (const payer of [...this.#payers, ...this.#stored.payers(), { name: "", team: "" }])
      for (const limit of this.#limits.for(payer)) seen.set(`${limit.scope}\u0000${limit.period}`, limit);
    return Promise.all([...seen.values()].map((limit) => this.#view(limit)));
  }

  async #view(limit: BudgetLimit): Promise<BudgetView> {
    const window = this.#clock.current(limit.period);
    const state = await this.#store.get({ scope: limit.scope, period: window.name }, limit.cap);
    const scale = limit.unit === "usd" ? MICRO_USD : 1;
    return {
      scope: limit.scope.slice(limit.unit.length + 1),
      level: limit.level,
      unit: limit.unit,
      periodKind: limit.period,
      period: window.name,
      spent: state.spent / scale,
      reserved: state.reserved / scale,
      cap: state.cap / scale,
      resetsAtMs: window.resetMs,
    };
  }
}
