import type { BudgetPeriod, BudgetRule, BudgetsConfig } from "../../config/budgets-schema.ts";

/** What a budget counts. USD is counted in whole micro-dollars, so sums are exact on every backend. */
export type BudgetUnit = "usd" | "tokens";

/** Micro-dollars per dollar: the unit USD budgets are counted in. */
export const MICRO_USD = 1_000_000;

/** The key (and team) a call is charged to. */
export interface Payer {
  readonly name: string;
  readonly team: string;
}

/** One cap that applies to a call: a scope, a unit and a period. */
export interface BudgetLimit {
  /** The store's counter scope: `usd:key:alice`, `tokens:team:search`, `usd:global`. */
  readonly scope: string;
  /** `key`, `team` or `global`: the metric label. */
  readonly level: "key" | "team" | "global";
  /** For messages: `key "alice"`, `team "search"`, `global`. */
  readonly owner: string;
  readonly unit: BudgetUnit;
  readonly period: BudgetPeriod;
  /** Micro-dollars or tokens. */
  readonly cap: number;
}

/**
 * Which budgets apply to whom, from config. A key is held to its own rules
 * (`budgets.keys[name]`, else `budgets.per_key`), its team's and the global
 * ones; an anonymous caller (an open gateway) only to the global ones. The
 * list is worked out once per key and team, not per request.
 */
export class BudgetLimits {
  readonly #config: BudgetsConfig;
  readonly #byPayer = new Map<string, readonly BudgetLimit[]>();
  /** The same lists by KeyInfo object, which a key keeps for its lifetime: no string built per request. */
  readonly #byKey = new WeakMap<Payer, readonly BudgetLimit[]>();

  constructor(config: BudgetsConfig) {
    this.#config = config;
  }

  /** Whether any budget is configured at all (else the policy is left out of the chain). */
  get configured(): boolean {
    const c = this.#config;
    return (
      c.global.length > 0 ||
      c.per_key.length > 0 ||
      Object.values(c.keys).some((r) => r.length > 0) ||
      Object.values(c.teams).some((r) => r.length > 0)
    );
  }

  /** Every budget that applies to a payer, key first, then team, then global. */
  for(payer: Payer): readonly BudgetLimit[] {
    const known = this.#byKey.get(payer);
    if (known !== undefined) return known;
    const id = `${payer.name}\u0000${payer.team}`;
    let limits = this.#byPayer.get(id);
    if (limits === undefined) {
      limits = this.#resolve(payer);
      this.#byPayer.set(id, limits);
    }
    this.#byKey.set(payer, limits);
    return limits;
  }

  #resolve(payer: Payer): BudgetLimit[] {
    const c = this.#config;
    const out: BudgetLimit[] = [];
    if (payer.name !== "") {
      const own = c.keys[payer.name] ?? c.per_key;
      push(out, own, "key", `key:${payer.name}`, `key "${payer.name}"`);
    }
    if (payer.team !== "") {
      push(out, c.teams[payer.team] ?? [], "team", `team:${payer.team}`, `team "${payer.team}"`);
    }
    push(out, c.global, "global", "global", "global");
    return out;
  }
}

function push(
  out: BudgetLimit[],
  rules: readonly BudgetRule[],
  level: BudgetLimit["level"],
  scope: string,
  owner: string,
): void {
  for (const rule of rules) {
    if (rule.usd !== undefined) {
      const cap = Math.round(rule.usd * MICRO_USD);
      out.push({ scope: `usd:${scope}`, level, owner, unit: "usd", period: rule.period, cap });
    }
    if (rule.tokens !== undefined) {
      out.push({
        scope: `tokens:${scope}`,
        level,
        owner,
        unit: "tokens",
        period: rule.period,
        cap: rule.tokens,
      });
    }
  }
}
