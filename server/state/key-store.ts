/**
 * The key store's port: API keys created at runtime, held as SHA-256
 * digests of their secrets (never the secrets themselves). Embedded it is a
 * SQLite table; distributed it will be PostgreSQL. Every operation is
 * atomic in the backend.
 *
 * Requests never wait on it: authentication reads an in-process cache of
 * every stored key (policy/auth/stored-keys.ts), loaded with `list` at
 * start and updated on every change this process makes.
 */

import type { BudgetRule } from "../config/budgets-schema.ts";
import type { LimitRule } from "../config/limits-schema.ts";

/** A stored API key: everything but the secret. */
export interface StoredKey {
  /** Unique across stored and config keys; what the ledger and usage queries know the key by. */
  readonly name: string;
  /** SHA-256 of the secret, lower-case hex. */
  readonly digest: string;
  /** The secret's first characters, to tell keys apart in listings (e.g. `sk-llmgw-Ab3dEf`). */
  readonly prefix: string;
  /** Who the key was issued to; "" for nobody named. */
  readonly owner: string;
  /** "" for none. */
  readonly team: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly admin: boolean;
  /** Queue priority, -1000 to 1000. */
  readonly priority: number;
  readonly enabled: boolean;
  /** Epoch ms from which the key is refused; undefined when it never expires. */
  readonly expiresAt: number | undefined;
  /** Model patterns the key may request (exact, or `prefix*`); undefined allows every model. */
  readonly models: readonly string[] | undefined;
  /** Providers that may serve the key; undefined allows every provider. */
  readonly providers: readonly string[] | undefined;
  /**
   * The key's own rate limits, checked as the config's are (windows in ms),
   * in place of `limits.keys[name]` / `limits.per_key`; undefined when it has
   * none of its own (and an empty list for "no per-key limit at all").
   */
  readonly limits: readonly LimitRule[] | undefined;
  /** The key's own budgets, in place of `budgets.keys[name]` / `budgets.per_key`; undefined when it has none of its own. */
  readonly budgets: readonly BudgetRule[] | undefined;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Epoch ms the key was revoked; undefined while it is live. A revoked key stays, so its name stays taken. */
  readonly revokedAt: number | undefined;
}

/**
 * Changes to a stored key: each field set replaces the stored one. `null`
 * clears an expiry (never expires), a list (allows everything) or the
 * key's own limits or budgets (the config's per-key rules apply again). The name,
 * the secret and the times are not changeable.
 */
export interface KeyChanges {
  readonly owner?: string;
  readonly team?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly admin?: boolean;
  readonly priority?: number;
  readonly enabled?: boolean;
  readonly expiresAt?: number | null;
  readonly models?: readonly string[] | null;
  readonly providers?: readonly string[] | null;
  readonly limits?: readonly LimitRule[] | null;
  readonly budgets?: readonly BudgetRule[] | null;
}

export interface KeyStore {
  /** Stores a new key. Throws `invalid_request` (param `name`) when a stored key has its name already. */
  create(key: StoredKey): Promise<void>;
  /** The key whose secret has this digest, revoked ones included. */
  get(digest: string): Promise<StoredKey | undefined>;
  /** Every stored key, revoked ones included, by name. */
  list(): Promise<StoredKey[]>;
  /** Applies the changes and returns the key as it now is; undefined when no key has that name. */
  update(name: string, changes: KeyChanges, now: number): Promise<StoredKey | undefined>;
  /**
   * Marks the key revoked (for good: it cannot be re-enabled) and returns
   * it; a key revoked already keeps its first revocation time. Undefined when
   * no key has that name.
   */
  revoke(name: string, now: number): Promise<StoredKey | undefined>;
  close(): Promise<void>;
}

/** A key with the changes applied: what `update` stores, for every backend alike. */
export function applyKeyChanges(key: StoredKey, changes: KeyChanges, now: number): StoredKey {
  return {
    ...key,
    ...(changes.owner === undefined ? {} : { owner: changes.owner }),
    ...(changes.team === undefined ? {} : { team: changes.team }),
    ...(changes.metadata === undefined ? {} : { metadata: { ...changes.metadata } }),
    ...(changes.admin === undefined ? {} : { admin: changes.admin }),
    ...(changes.priority === undefined ? {} : { priority: changes.priority }),
    ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
    ...(changes.expiresAt === undefined ? {} : { expiresAt: changes.expiresAt ?? undefined }),
    ...(changes.models === undefined ? {} : { models: changes.models ?? undefined }),
    ...(changes.providers === undefined ? {} : { providers: changes.providers ?? undefined }),
    ...(changes.limits === undefined ? {} : { limits: changes.limits ?? undefined }),
    ...(changes.budgets === undefined ? {} : { budgets: changes.budgets ?? undefined }),
    updatedAt: now,
  };
}
