import type { BudgetPeriod, BudgetRule, BudgetsConfig } from "../../config/budgets-schema.ts";
import { invalidRequest } from "../../errors/gateway-error.ts";

/** What a budget counts. USD is counted in whole micro-dollars, so sums are exact on every backend. */
export type BudgetUnit = "usd" | "tokens";

/** Micro-dollars per dollar: the unit USD budgets are counted in. */
export const MICRO_USD = 1_000_000;

/** The key (and team) a call is charged to. */
export interface Payer {
  readonly name: string;
  readonly team: string;
  /** The key's own budgets (a stored key's), in place of `keys[name]` and `per_key`; absent when those apply. */
  readonly budgets?: readonly BudgetRule[] | undefined;
}

const NONE: readonly BudgetLimit[] = [];

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
 * (a stored key's own `budgets`, else `budgets.keys[name]`, else
 * `budgets.per_key`), its team's and the global ones; an anonymous caller
 * (an open gateway) only to the global ones. The list is worked out once
 * per key and team, not per request. With no budget configured, a key
 * without budgets of its own costs one property read.
 */
export class BudgetLimits {
  #config: BudgetsConfig;
  #configured: boolean;
  /** By name and team, for payers built afresh (seeding, BudgetService); never for a key with budgets of its own. */
  readonly #byPayer = new Map<string, readonly BudgetLimit[]>();
  /** The same lists by KeyInfo object, which a key keeps for its lifetime: no string built per request. */
  #byKey = new WeakMap<Payer, readonly BudgetLimit[]>();

  constructor(config: BudgetsConfig) {
    this.#config = config;
    this.#configured = anyBudget(config);
  }

  /** Whether any budget is configured at all, in the file or set at runtime (stored keys' own aside). */
  get configured(): boolean {
    return this.#configured;
  }

  /** Every budget that applies to a payer, key first, then team, then global. */
  for(payer: Payer): readonly BudgetLimit[] {
    if (!this.#configured && payer.budgets === undefined) return NONE;
    const known = this.#byKey.get(payer);
    if (known !== undefined) return known;
    if (payer.budgets !== undefined) {
      // Two keys of one name and team may hold different rules: the name cache must not serve them.
      const own = this.#resolve(payer);
      this.#byKey.set(payer, own);
      return own;
    }
    const id = `${payer.name}\u0000${payer.team}`;
    let limits = this.#byPayer.get(id);
    if (limits === undefined) {
      limits = this.#resolve(payer);
      this.#byPayer.set(id, limits);
    }
    this.#byKey.set(payer, limits);
    return limits;
  }

  /**
   * Replaces the caps of one scope (`key:<name>`, `team:<team>`, `global`)
   * for one period; no cap removes the rule. A key that had no rules of its
   * own starts from a copy of `per_key`. Calls admitted from now on see it.
   */
  set(scope: string, period: BudgetPeriod, caps: { usd?: number; tokens?: number }): void {
    const c = this.#config;
    const update = (rules: readonly BudgetRule[]): BudgetRule[] => {
      const kept = rules.filter((r) => r.period !== period);
      if (caps.usd !== undefined || caps.tokens !== undefined) kept.push({ period, ...caps });
      return kept;
    };
    checkScope(scope);
    if (scope === "global") this.#config = { ...c, global: update(c.global) };
    else if (scope.startsWith("key:")) {
      const name = scope.slice(4);
      this.#config = { ...c, keys: { ...c.keys, [name]: update(c.keys[name] ?? c.per_key) } };
    } else {
      const team = scope.slice(5);
      this.#config = { ...c, teams: { ...c.teams, [team]: update(c.teams[team] ?? []) } };
    }
    this.#configured = anyBudget(this.#config);
    this.#byPayer.clear();
    this.#byKey = new WeakMap();
  }

  #resolve(payer: Payer): BudgetLimit[] {
    const c = this.#config;
    const out: BudgetLimit[] = [];
    if (payer.name !== "") {
      const own = payer.budgets ?? c.keys[payer.name] ?? c.per_key;
      push(out, own, "key", `key:${payer.name}`, `key "${payer.name}"`);
    }
    if (payer.team !== "") {
      push(out, c.teams[payer.team] ?? [], "team", `team:${payer.team}`, `team "${payer.team}"`);
    }
    push(out, c.global, "global", "global", "global");
    return out;
  }
}

function anyBudget(c: BudgetsConfig): boolean {
  return (
    c.global.length > 0 ||
    c.per_key.length > 0 ||
    Object.values(c.keys).some((r) => r.length > 0) ||
    Object.values(c.teams).some((r) => r.length > 0)
  );
}

/** Throws `invalid_request` unless the scope is `key:<name>`, `team:<team>` or `global`. */
export function checkScope(scope: string): void {
  const ok =
    scope === "global" ||
    (scope.startsWith("key:") && scope.length > 4) ||
    (scope.startsWith("team:") && scope.length > 5);
  if (!ok)
    throw invalidRequest(`a budget scope is key:<name>, team:<team> or global, not "${scope}"`, "scope");
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
