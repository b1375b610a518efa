import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { CallOptions } from "@connectrpc/connect";
import { BudgetPeriod } from "../gen/llmgw/v1/budget_pb.js";
import type { ApiKey, CreateKeyResponse, KeySettingsSchema } from "../gen/llmgw/v1/keys_pb.js";
import type { LlmgwClient } from "./client.ts";

/** What the key helpers need of a client. */
export type KeysClient = Pick<LlmgwClient, "keys">;

/**
 * One rate-limit rule of a key, as in the config file's `limits`: each
 * number set is one counter. Requests and tokens need a window ("1m",
 * "15m", "1d"); concurrent has none.
 */
export interface KeyLimitRule {
  readonly requests?: number;
  readonly tokens?: number;
  readonly concurrent?: number;
  readonly window?: string;
}

/** One budget of a key, as in the config file's `budgets`: USD, tokens or both, per day or month. */
export interface KeyBudgetRule {
  readonly usd?: number;
  readonly tokens?: number;
  readonly period: "day" | "month";
}

/**
 * A new key's settings. What is left out takes its default: enabled, no
 * expiry, every model and provider, and the config's per-key limits and
 * budgets (`limits` and `budgets` take their place for this key).
 */
export interface NewKeySettings {
  readonly owner?: string;
  readonly team?: string;
  readonly metadata?: Record<string, string>;
  readonly expiresAt?: Date;
  readonly enabled?: boolean;
  readonly admin?: boolean;
  readonly priority?: number;
  /** Model names the key may request: exact, or a prefix followed by `*`. */
  readonly models?: string[];
  /** Providers whose deployments may serve the key. */
  readonly providers?: string[];
  /** The key's own rate limits, in place of the config's per-key ones (`[]`: none at all). */
  readonly limits?: KeyLimitRule[];
  /** The key's own budgets, in place of the config's per-key ones (`[]`: none at all). */
  readonly budgets?: KeyBudgetRule[];
}

/**
 * Changes to a key: each field given replaces the key's; `null` clears an
 * expiry or a list (allows everything), or the key's own limits or budgets
 * (the config's per-key ones apply again).
 */
export interface KeyChanges {
  readonly owner?: string;
  readonly team?: string;
  readonly metadata?: Record<string, string>;
  readonly expiresAt?: Date | null;
  readonly enabled?: boolean;
  readonly admin?: boolean;
  readonly priority?: number;
  readonly models?: string[] | null;
  readonly providers?: string[] | null;
  readonly limits?: KeyLimitRule[] | null;
  readonly budgets?: KeyBudgetRule[] | null;
}

/**
 * Creates a key. The answer holds the secret, which the gateway does not
 * keep and will not show again. Admin keys only.
 *
 * @example
 * const { secret } = await createKey(llmgw, "search-app", { team: "search", models: ["gpt-4o-mini"] });
 */
export function createKey(
  client: KeysClient,
  name: string,
  settings: NewKeySettings = {},
  call?: CallOptions,
): Promise<CreateKeyResponse> {
  return client.keys.createKey({ name, settings: keySettings(settings) }, call);
}

/** Every key, stored and configured, by name (revoked ones only when asked). Admin keys only. */
export async function listKeys(
  client: KeysClient,
  options: { includeRevoked?: boolean } = {},
  call?: CallOptions,
): Promise<ApiKey[]> {
  const { keys } = await client.keys.listKeys({ includeRevoked: options.includeRevoked ?? false }, call);
  return keys;
}

/** One key by name, without its secret (`NotFound` if none has it). Admin keys only. */
export async function getKey(client: KeysClient, name: string, call?: CallOptions): Promise<ApiKey> {
  const { key } = await client.keys.getKey({ name }, call);
  return required(key);
}

/**
 * Changes the fields given and leaves the rest; the update mask is built
 * from the fields present in `changes`. Admin keys only.
 *
 * @example
 * await updateKey(llmgw, "search-app", { enabled: false });
 * await updateKey(llmgw, "search-app", { models: null, expiresAt: new Date("2027-01-01") });
 * await updateKey(llmgw, "search-app", { limits: [{ requests: 120, window: "1m" }] });
 */
export async function updateKey(
  client: KeysClient,
  name: string,
  changes: KeyChanges,
  call?: CallOptions,
): Promise<ApiKey> {
  const paths: string[] = [];
  for (const [field, path] of MASK) if (changes[field] !== undefined) paths.push(path);
  const { key } = await client.keys.updateKey(
    { name, settings: keySettings(changes), updateMask: { paths } },
    call,
  );
  return required(key);
}

/**
 * The calling key itself: its name, whether it is an admin key, its scopes,
 * limits and budgets. Any valid key may ask (a UI signs in with it).
 *
 * @example
 * const me = await getCurrentKey(llmgw);
 * if (!me.admin) hideAdminPages();
 */
export async function getCurrentKey(client: KeysClient, call?: CallOptions): Promise<ApiKey> {
  const { key } = await client.keys.getCurrentKey({}, call);
  return required(key);
}

/** Revokes a key for good: the gateway refuses it from the next request on. Admin keys only. */
export async function revokeKey(client: KeysClient, name: string, call?: CallOptions): Promise<ApiKey> {
  const { key } = await client.keys.revokeKey({ name }, call);
  return required(key);
}

/** Each change's field in KeySettings, as the update mask names it. */
const MASK: ReadonlyArray<readonly [keyof KeyChanges, string]> = [
  ["owner", "owner"],
  ["team", "team"],
  ["metadata", "metadata"],
  ["expiresAt", "expire_time"],
  ["enabled", "enabled"],
  ["admin", "admin"],
  ["priority", "priority"],
  ["models", "models"],
  ["providers", "providers"],
  ["limits", "limits"],
  ["budgets", "budgets"],
];

function keySettings(s: KeyChanges): MessageInitShape<typeof KeySettingsSchema> {
  return {
    owner: s.owner ?? "",
    team: s.team ?? "",
    metadata: s.metadata ?? {},
    ...(s.expiresAt == null ? {} : { expireTime: timestampFromDate(s.expiresAt) }),
    ...(s.enabled === undefined ? {} : { enabled: s.enabled }),
    admin: s.admin ?? false,
    priority: s.priority ?? 0,
    modelsLimited: s.models != null,
    models: s.models ?? [],
    providersLimited: s.providers != null,
    providers: s.providers ?? [],
    limitsSet: s.limits != null,
    limits: (s.limits ?? []).map((l) => ({
      ...(l.requests === undefined ? {} : { requests: BigInt(l.requests) }),
      ...(l.tokens === undefined ? {} : { tokens: BigInt(l.tokens) }),
      ...(l.concurrent === undefined ? {} : { concurrent: l.concurrent }),
      window: l.window ?? "",
    })),
    budgetsSet: s.budgets != null,
    budgets: (s.budgets ?? []).map((b) => ({
      ...(b.usd === undefined ? {} : { usd: b.usd }),
      ...(b.tokens === undefined ? {} : { tokens: BigInt(b.tokens) }),
      period:
        b.period === "day"
          ? BudgetPeriod.DAY
          : b.period === "month"
            ? BudgetPeriod.MONTH
            : BudgetPeriod.UNSPECIFIED,
    })),
  };
}

function required(key: ApiKey | undefined): ApiKey {
  if (key === undefined) throw new Error("the gateway answered without the key");
  return key;
}
