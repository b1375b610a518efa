import {
  type CustomRuleConfig,
  GUARD_PLACES,
  type GuardAction,
  type GuardOverride,
  type GuardPlace,
  type GuardsConfig,
} from "../../config/guards-schema.ts";
import { customDetector } from "./custom-patterns.ts";
import type { Detector } from "./guard-match.ts";
import { injectionDetector } from "./injection-patterns.ts";
import { PII_TYPES, piiDetector } from "./pii-patterns.ts";
import { secretDetector } from "./secret-patterns.ts";

/** A place as a bit, so a rule's places are one number to test. */
export const PLACE_BIT: Record<GuardPlace, number> = {
  system: 1,
  user: 2,
  assistant: 4,
  tool: 8,
  output: 16,
};

/** What a rule does, and where. */
export interface RuleSetting {
  readonly action: GuardAction;
  readonly where: number;
}

/** The detectors and rule settings that apply to one key: built once, at start-up or at a key's first call. */
export interface GuardProfile {
  /** Each detector with the places any of its rules look at. */
  readonly detectors: ReadonlyArray<{ readonly detector: Detector; readonly where: number }>;
  /** By rule name (`secrets`, `injection`, `pii`, a custom rule's name). */
  readonly rules: ReadonlyMap<string, RuleSetting>;
  /** Whether redacted values are put back in the answer. */
  readonly restore: boolean;
}

const DEFAULT_WHERE: Record<"secrets" | "injection" | "pii", readonly GuardPlace[]> = {
  secrets: GUARD_PLACES,
  pii: GUARD_PLACES,
  // Tool results are where injected text arrives; user messages are the user's own.
  injection: ["tool"],
};

const bits = (places: readonly GuardPlace[]) => places.reduce((b, p) => b | PLACE_BIT[p], 0);

/** Merges levels, lowest first (global, team, key): a field a level sets beats the levels below. */
function merge<T extends object>(levels: ReadonlyArray<T | undefined>): T | undefined {
  let out: T | undefined;
  for (const level of levels) if (level !== undefined) out = { ...out, ...level } as T;
  return out;
}

/** The profile of the global settings overridden by a team's and then a key's (either may be absent). */
export function buildProfile(
  config: GuardsConfig,
  overrides: ReadonlyArray<GuardOverride | undefined>,
): GuardProfile {
  const levels: GuardOverride[] = [{ secrets: config.secrets, injection: config.injection, pii: config.pii }];
  for (const o of overrides) if (o !== undefined) levels.push(o);
  const detectors: Array<{ detector: Detector; where: number }> = [];
  const rules = new Map<string, RuleSetting>();

  const family = (name: "secrets" | "injection" | "pii", detector: () => Detector) => {
    const settings = merge(levels.map((l) => l[name]));
    if (settings === undefined) return;
    const setting = { action: settings.action ?? "log", where: bits(settings.where ?? DEFAULT_WHERE[name]) };
    if (setting.action === "allow") return;
    rules.set(name, setting);
    detectors.push({ detector: detector(), where: setting.where });
  };
  family("secrets", secretDetector);
  family("injection", () => injectionDetector(config.injection?.phrases));
  family("pii", () => {
    const types = merge(levels.map((l) => l.pii?.types)) ?? {};
    return piiDetector(PII_TYPES.filter((t) => types[t] !== false));
  });

  // Custom rules: one detector per case-sensitivity, with the rules this profile does not allow.
  const active: CustomRuleConfig[] = [];
  for (const rule of config.custom) {
    let action = rule.action;
    for (const l of levels) action = l.custom?.[rule.name] ?? action;
    if (action === "allow") continue;
    rules.set(rule.name, { action, where: bits(rule.where) });
    active.push(rule);
  }
  for (const sensitive of [true, false]) {
    const group = active.filter((r) => r.case_sensitive === sensitive);
    if (group.length > 0)
      detectors.push({
        detector: customDetector(group, sensitive),
        where: group.reduce((b, r) => b | bits(r.where), 0),
      });
  }
  let restore = config.restore;
  for (const o of overrides) if (o?.restore !== undefined) restore = o.restore;
  return { detectors, rules, restore };
}

/**
 * The profile for each call's key: the global one unless the key or its team
 * overrides, in which case it is built at the key's first call and kept.
 */
export class GuardProfiles {
  readonly #config: GuardsConfig;
  readonly #global: GuardProfile;
  readonly #byKey = new Map<string, GuardProfile>();

  constructor(config: GuardsConfig) {
    this.#config = config;
    this.#global = buildProfile(config, []);
  }

  /** Whether any profile could find anything: with every family off or allowed, the policy is left out. */
  get active(): boolean {
    if (this.#global.detectors.length > 0) return true;
    return Object.keys(this.#config.keys).length > 0 || Object.keys(this.#config.teams).length > 0;
  }

  for(key: string | undefined, team: string | undefined): GuardProfile {
    const byKey = key === undefined ? undefined : this.#config.keys[key];
    const byTeam = team === undefined || team === "" ? undefined : this.#config.teams[team];
    if (byKey === undefined && byTeam === undefined) return this.#global;
    const id = `${team ?? ""}\u0000${key ?? ""}`;
    let profile = this.#byKey.get(id);
    if (profile === undefined) {
      profile = buildProfile(this.#config, [byTeam, byKey]);
      this.#byKey.set(id, profile);
    }
    return profile;
  }
}

/** The guards' profiles, or undefined (the policy left out of the chain) when the section is absent or turns nothing on. */
export function guardProfiles(config: GuardsConfig | undefined): GuardProfiles | undefined {
  if (config === undefined) return undefined;
  const profiles = new GuardProfiles(config);
  return profiles.active ? profiles : undefined;
}
