import { hasLimits, type LimitRule, type LimitsConfig, windowName } from "../../config/limits-schema.ts";
import type { KeyInfo } from "../../core/call.ts";
import type { LimitTake } from "../../state/limit-store.ts";

/** A token counter: its cost is the call's own estimate, so its take is built per call. */
export interface TokenCounter {
  readonly key: string;
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * Every counter one call is counted against (its key's, its team's, its
 * model's and the global ones), by kind. Request and concurrency takes cost
 * 1 whatever the call, so they are built once and shared by every call.
 */
export interface CallCounters {
  readonly requests: readonly LimitTake[];
  readonly tokens: readonly TokenCounter[];
  readonly concurrent: readonly LimitTake[];
  /** `requests` then `concurrent`: the whole take when no token counter applies. */
  readonly fixed: readonly LimitTake[];
  /** Whether no counter at all applies. */
  readonly empty: boolean;
}

type Kind = "requests" | "tokens" | "concurrent";

/** One scope's counters, before they are merged with the other scopes'. */
interface ScopeCounters {
  readonly requests: LimitTake[];
  readonly tokens: TokenCounter[];
  readonly concurrent: LimitTake[];
}

const NONE: ScopeCounters = { requests: [], tokens: [], concurrent: [] };
/** What a call is counted against when no rule applies to it. */
const NO_COUNTERS: CallCounters = merge([NONE]);

/**
 * The configured limits, compiled once at start-up into counters. A call's
 * counters are looked up by its key (the object auth found, so a key whose
 * team changes gets a new entry) and by its model; only model names that
 * have limits are told apart, so callers naming made-up models cannot grow
 * the table. Counter keys read `<kind>:<windowMs>:<scope>:<name>`, e.g.
 * `requests:60000:key:alice`; the name comes last, so any name is safe in it.
 *
 * A key's own rules (a stored key's `limits`, on its KeyInfo) take the place
 * of `keys[name]` and `per_key` for it, counted on the same counter keys, so
 * every replica counts them together. With no rule in the config, a key
 * without rules of its own costs one property read.
 */
export class LimitTable {
  readonly #config: LimitsConfig;
  /** Whether the config has any rule; with none, only keys with rules of their own are counted. */
  readonly #configured: boolean;
  readonly #global: ScopeCounters;
  readonly #models = new Map<string, ScopeCounters>();
  readonly #teams = new Map<string, ScopeCounters>();
  readonly #byKey = new WeakMap<KeyInfo, Map<string, CallCounters>>();
  /** What each counter is, for refusal messages: `key "alice" allows 10 requests per 1m`. */
  readonly #labels = new Map<string, string>();

  constructor(config: LimitsConfig) {
    this.#config = config;
    this.#configured = hasLimits(config);
    this.#global = this.#compile(config.global, "global", "", "the gateway");
    for (const [team, rules] of Object.entries(config.teams))
      this.#teams.set(team, this.#compile(rules, "team", team, `team "${team}"`));
    for (const [model, rules] of Object.entries(config.models))
      this.#models.set(model, this.#compile(rules, "model", model, `model "${model}"`));
  }

  /** The counters a call of `key` for `model` is counted against. */
  countersFor(key: KeyInfo, model: string): CallCounters {
    if (!this.#configured && key.limits === undefined) return NO_COUNTERS;
    let byModel = this.#byKey.get(key);
    if (byModel === undefined) {
      byModel = new Map();
      this.#byKey.set(key, byModel);
    }
    const limited = this.#models.has(model) ? model : "";
    let counters = byModel.get(limited);
    if (counters === undefined) {
      const own = key.limits ?? this.#config.keys[key.name] ?? this.#config.per_key;
      counters = merge([
        this.#compile(own, "key", key.name, `key "${key.name}"`),
        this.#teams.get(key.team) ?? NONE,
        this.#models.get(limited) ?? NONE,
        this.#global,
      ]);
      byModel.set(limited, counters);
    }
    return counters;
  }

  /** What the counter `key` limits, e.g. `key "alice" allows 10 requests per 1m`. */
  label(key: string): string {
    return this.#labels.get(key) ?? key;
  }

  #compile(rules: readonly LimitRule[], scope: string, name: string, who: string): ScopeCounters {
    const out: ScopeCounters = { requests: [], tokens: [], concurrent: [] };
    for (const rule of rules) {
      const windowMs = rule.window ?? 0;
      if (rule.requests !== undefined)
        out.requests.push(take(this.#counter("requests", scope, name, who, rule.requests, windowMs)));
      if (rule.tokens !== undefined)
        out.tokens.push(this.#counter("tokens", scope, name, who, rule.tokens, windowMs));
      if (rule.concurrent !== undefined)
        out.concurrent.push(take(this.#counter("concurrent", scope, name, who, rule.concurrent, 0)));
    }
    return out;
  }

  #counter(kind: Kind, scope: string, name: string, who: string, limit: number, windowMs: number) {
    const key = `${kind}:${windowMs}:${scope}:${name}`;
    const per = kind === "concurrent" ? "in flight at once" : `per ${windowName(windowMs)}`;
    const what = kind === "concurrent" ? "requests" : kind;
    this.#labels.set(key, `${who} allows ${limit} ${what} ${per}`);
    return { key, limit, windowMs };
  }
}

/** A take of one unit, in the same shape as the per-call token takes, so the store sees one shape. */
function take(counter: TokenCounter): LimitTake {
  return { key: counter.key, cost: 1, limit: counter.limit, windowMs: counter.windowMs };
}

function merge(scopes: readonly ScopeCounters[]): CallCounters {
  const requests = scopes.flatMap((s) => s.requests);
  const tokens = scopes.flatMap((s) => s.tokens);
  const concurrent = scopes.flatMap((s) => s.concurrent);
  return {
    requests,
    tokens,
    concurrent,
    fixed: [...requests, ...concurrent],
    empty: requests.length + tokens.length + concurrent.length === 0,
  };
}
