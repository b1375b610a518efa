import type { Logger } from "pino";
import type { z } from "zod";
import { type BudgetRule, budgetRules } from "../config/budgets-schema.ts";
import { type LimitRule, limitRules } from "../config/limits-schema.ts";
import { GatewayError, invalidRequest } from "../errors/gateway-error.ts";
import type { ConfigKey, KeyRing } from "../policy/auth/key-ring.ts";
import { MODEL_PATTERN } from "../policy/auth/key-scope.ts";
import { newSecret } from "../policy/auth/key-secret.ts";
import type { StoredKeys } from "../policy/auth/stored-keys.ts";
import type { KeyChanges, StoredKey } from "../state/key-store.ts";
import type { KeyInfo } from "./call.ts";

/** A key as an admin sees it: stored or configured, never its secret. */
export interface KeyView {
  readonly name: string;
  /** The secret's first characters; "" for config keys, whose secrets may be short. */
  readonly prefix: string;
  readonly owner: string;
  readonly team: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Epoch ms; undefined for never. */
  readonly expiresAt: number | undefined;
  readonly enabled: boolean;
  readonly admin: boolean;
  readonly priority: number;
  /** undefined allows every model. */
  readonly models: readonly string[] | undefined;
  /** undefined allows every provider. */
  readonly providers: readonly string[] | undefined;
  /** The key's own rate limits (windows in ms); undefined when the config's per-key rules apply (always, for config keys). */
  readonly limits: readonly LimitRule[] | undefined;
  /** The key's own budgets; undefined when the config's per-key rules apply. */
  readonly budgets: readonly BudgetRule[] | undefined;
  readonly source: "config" | "stored";
  /** Epoch ms; undefined for config keys. */
  readonly createdAt: number | undefined;
  readonly updatedAt: number | undefined;
  readonly revokedAt: number | undefined;
}

/** One rate-limit rule as an admin sends it, unchecked: the window as "1m", "15m", "1d" or ms. */
export interface KeyLimitInput {
  readonly requests?: number | undefined;
  readonly tokens?: number | undefined;
  readonly concurrent?: number | undefined;
  readonly window?: string | number | undefined;
}

/** One budget as an admin sends it, unchecked: the period is "day" or "month". */
export interface KeyBudgetInput {
  readonly usd?: number | undefined;
  readonly tokens?: number | undefined;
  readonly period?: string | undefined;
}

/**
 * A key's settings as an admin sends them: the store's KeyChanges, with the
 * limits and budgets not yet checked. They are checked against the config
 * file's own schemas (the same rules, the same window syntax), so a stored
 * key can hold exactly what `limits.keys[name]` or `budgets.keys[name]` could.
 */
export type KeySettingsInput = Omit<KeyChanges, "limits" | "budgets"> & {
  readonly limits?: readonly KeyLimitInput[] | null;
  readonly budgets?: readonly KeyBudgetInput[] | null;
};

/** Stored key names: what usage rows and logs show, so nothing that needs quoting. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const MAX_TEXT = 256;
const MAX_METADATA = 64;
/** Rules per list: more than a key could sensibly need, few enough that a call's take stays small. */
const MAX_RULES = 16;

/**
 * Key management, behind KeysService: create (the secret is returned this
 * once), list, get, update and revoke. Admin keys only. Changes go through
 * the stored keys' cache to the store, so authentication sees them on the
 * very next request. Config keys are shown but changed only in the file.
 */
export class KeyAdmin {
  readonly #stored: StoredKeys;
  readonly #ring: KeyRing;
  readonly #config: ReadonlyMap<string, ConfigKey>;
  readonly #providers: ReadonlySet<string>;
  readonly #log: Logger;

  constructor(
    stored: StoredKeys,
    ring: KeyRing,
    config: readonly ConfigKey[],
    providers: readonly string[],
    log: Logger,
  ) {
    this.#stored = stored;
    this.#ring = ring;
    this.#config = new Map(config.map((k) => [k.name, k]));
    this.#providers = new Set(providers);
    this.#log = log;
  }

  /** Creates a key with these settings; returns it and its secret, which is not kept. */
  async create(
    caller: KeyInfo,
    name: string,
    input: KeySettingsInput,
  ): Promise<{ key: KeyView; secret: string }> {
    adminOnly(caller);
    if (!NAME.test(name)) {
      throw invalidRequest(
        "name must be 1 to 128 letters, digits and '._:@-', starting with a letter or digit",
        "name",
      );
    }
    const settings = this.#check(input);
    const wasOpen = this.#ring.open;
    const { secret, digest, prefix } = newSecret();
    const now = Date.now();
    const key = await this.#stored.create({
      name,
      digest,
      prefix,
      owner: settings.owner ?? "",
      team: settings.team ?? "",
      metadata: { ...settings.metadata },
      admin: settings.admin ?? false,
      priority: settings.priority ?? 0,
      enabled: settings.enabled ?? true,
      expiresAt: settings.expiresAt ?? undefined,
      models: settings.models ?? undefined,
      providers: settings.providers ?? undefined,
      limits: settings.limits ?? undefined,
      budgets: settings.budgets ?? undefined,
      createdAt: now,
      updatedAt: now,
      revokedAt: undefined,
    });
    this.#log.info({ key: name, prefix, admin: key.admin }, "API key created");
    if (wasOpen) {
      this.#log.warn(
        { key: name },
        "the gateway is no longer open: every request needs a valid key from now on",
      );
    }
    return { key: storedView(key), secret };
  }

  /** Every key, config and stored, by name; revoked ones only when asked. */
  list(caller: KeyInfo, includeRevoked: boolean): KeyView[] {
    adminOnly(caller);
    const views = [...this.#config.values()].map(configView);
    for (const key of this.#stored.list()) {
      if (includeRevoked || key.revokedAt === undefined) views.push(storedView(key));
    }
    return views.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * The caller's own key, for any valid key: a config or stored key as
   * listed, else (the open gateway's caller, a CLI key) what its KeyInfo says.
   */
  current(caller: KeyInfo): KeyView {
    const config = this.#config.get(caller.name);
    if (config !== undefined) return configView(config);
    const stored = this.#stored.get(caller.name);
    if (stored !== undefined) return storedView(stored);
    return {
      ...configView({ name: caller.name, key: "" }),
      owner: caller.owner ?? "",
      team: caller.team,
      admin: caller.admin,
      priority: caller.priority,
    };
  }

  get(caller: KeyInfo, name: string): KeyView {
    adminOnly(caller);
    const config = this.#config.get(name);
    if (config !== undefined) return configView(config);
    const stored = this.#stored.get(name);
    if (stored === undefined) throw notFound(name);
    return storedView(stored);
  }

  /** Applies the changes to a stored key. */
  async update(caller: KeyInfo, name: string, input: KeySettingsInput): Promise<KeyView> {
    adminOnly(caller);
    this.#storedOnly(name);
    const changes = this.#check(input);
    const key = await this.#stored.update(name, changes, Date.now());
    if (key === undefined) throw notFound(name);
    this.#log.info({ key: name, changed: Object.keys(changes) }, "API key updated");
    return storedView(key);
  }

  /** Revokes a stored key for good: it is refused from the next request on. */
  async revoke(caller: KeyInfo, name: string): Promise<KeyView> {
    adminOnly(caller);
    this.#storedOnly(name);
    const key = await this.#stored.revoke(name, Date.now());
    if (key === undefined) throw notFound(name);
    this.#log.info({ key: name }, "API key revoked");
    return storedView(key);
  }

  #storedOnly(name: string): void {
    if (this.#config.has(name)) {
      throw invalidRequest(`key "${name}" is defined in the config file; change it there`, "name");
    }
  }

  /** Refuses settings the config file's schema would refuse for a config key; returns them as the store keeps them. */
  #check(s: KeySettingsInput): KeyChanges {
    if (s.owner !== undefined && s.owner.length > MAX_TEXT)
      throw invalidRequest("owner is too long", "owner");
    if (s.team !== undefined && s.team.length > MAX_TEXT) throw invalidRequest("team is too long", "team");
    if (s.metadata !== undefined && Object.keys(s.metadata).length > MAX_METADATA) {
      throw invalidRequest(`metadata may have at most ${MAX_METADATA} entries`, "metadata");
    }
    if (s.priority !== undefined && !(Number.isInteger(s.priority) && Math.abs(s.priority) <= 1000)) {
      throw invalidRequest("priority must be an integer from -1000 to 1000", "priority");
    }
    if (typeof s.expiresAt === "number" && !Number.isFinite(s.expiresAt)) {
      throw invalidRequest("expire_time is not a valid time", "expire_time");
    }
    for (const model of s.models ?? []) {
      if (model === "" || !MODEL_PATTERN.test(model)) {
        throw invalidRequest(
          `model pattern "${model}": use an exact model name, or a prefix with one trailing '*'`,
          "models",
        );
      }
    }
    for (const provider of s.providers ?? []) {
      if (!this.#providers.has(provider)) {
        throw invalidRequest(
          `no provider is named "${provider}"; configured providers: ${[...this.#providers].join(", ") || "(none)"}`,
          "providers",
        );
      }
    }
    const { limits, budgets, ...rest } = s;
    return {
      ...rest,
      ...(limits === undefined ? {} : { limits: ownRules(limitRules, "limits", limits) }),
      ...(budgets === undefined ? {} : { budgets: ownRules(budgetRules, "budgets", budgets) }),
    };
  }
}

/**
 * A key's own rules, checked by the config file's schema for that list;
 * null (back to the config's per-key rules) stays null. A refusal names the
 * field and the rule, e.g. `limits[1].window`.
 */
function ownRules<T>(schema: z.ZodType<T[]>, field: string, raw: readonly unknown[] | null): T[] | null {
  if (raw === null) return null;
  if (raw.length > MAX_RULES) throw invalidRequest(`${field} may hold at most ${MAX_RULES} rules`, field);
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  const where = `${field}${path}`;
  throw invalidRequest(`${where}: ${issue?.message ?? "invalid"}`, where);
}

/** Refuses a caller that is not an admin key, before anything about its request is checked. */
export function adminOnly(caller: KeyInfo): void {
  if (!caller.admin) throw new GatewayError("permission_denied", "only admin keys may manage keys");
}

function notFound(name: string): GatewayError {
  return new GatewayError("not_found", `no key is named "${name}"`, { param: "name" });
}

function storedView(key: StoredKey): KeyView {
  return {
    name: key.name,
    prefix: key.prefix,
    owner: key.owner,
    team: key.team,
    metadata: key.metadata,
    expiresAt: key.expiresAt,
    enabled: key.enabled,
    admin: key.admin,
    priority: key.priority,
    models: key.models,
    providers: key.providers,
    limits: key.limits,
    budgets: key.budgets,
    source: "stored",
    createdAt: key.createdAt,
    updatedAt: key.updatedAt,
    revokedAt: key.revokedAt,
  };
}

function configView(key: ConfigKey): KeyView {
  return {
    name: key.name,
    prefix: "",
    owner: key.owner ?? "",
    team: key.team ?? "",
    metadata: key.metadata ?? {},
    expiresAt: key.expires_at === undefined ? undefined : Date.parse(key.expires_at),
    enabled: key.enabled ?? true,
    admin: key.admin ?? false,
    priority: key.priority ?? 0,
    models: key.models,
    providers: key.providers,
    limits: undefined,
    budgets: undefined,
    source: "config",
    createdAt: undefined,
    updatedAt: undefined,
    revokedAt: undefined,
  };
}
