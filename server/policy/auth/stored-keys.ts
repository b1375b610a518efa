import type { KeyInfo } from "../../core/call.ts";
import { invalidRequest } from "../../errors/gateway-error.ts";
import type { KeyChanges, KeyStore, StoredKey } from "../../state/key-store.ts";
import type { KeyEntry, KeyLookup } from "./key-entry.ts";
import { keyScope } from "./key-scope.ts";

/**
 * The stored keys, cached in the process: authentication looks a digest up
 * here without leaving the event loop, and every change goes through to the
 * store first, then here. All of them are loaded at start (keys are few and
 * small). Within one process a revocation is therefore effective for the
 * very next request. Several replicas will need each change published
 * (Redis pub/sub) and `reload` run on the others; until then a replica sees
 * another's changes only after a restart.
 */
export class StoredKeys implements KeyLookup {
  readonly #store: KeyStore;
  /** Names of the config keys, which stored keys may not take. */
  readonly #reserved: ReadonlySet<string>;
  readonly #onShadowed: (name: string) => void;
  #byDigest = new Map<string, KeyEntry>();
  #byName = new Map<string, StoredKey>();
  /** Told after every change this replica makes (to announce it to the others). */
  onChanged: ((name: string) => void) | undefined;
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;

  private constructor(store: KeyStore, reserved: ReadonlySet<string>, onShadowed: (name: string) => void) {
    this.#store = store;
    this.#reserved = reserved;
    this.#onShadowed = onShadowed;
  }

  /**
   * Loads every stored key. A stored key whose name a config key has since
   * taken is left out (`onShadowed` is told), so that no two keys share a
   * name and its usage.
   */
  static async load(
    store: KeyStore,
    reserved: ReadonlySet<string>,
    onShadowed: (name: string) => void = () => {},
  ): Promise<StoredKeys> {
    const keys = new StoredKeys(store, reserved, onShadowed);
    await keys.reload();
    return keys;
  }

  /** Reads every key from the store again, replacing the cache at once. */
  async reload(): Promise<void> {
    const byDigest = new Map<string, KeyEntry>();
    const byName = new Map<string, StoredKey>();
    for (const key of await this.#store.list()) {
      if (this.#reserved.has(key.name)) {
        this.#onShadowed(key.name);
        continue;
      }
      byName.set(key.name, key);
      byDigest.set(key.digest, storedEntry(key));
    }
    this.#byDigest = byDigest;
    this.#byName = byName;
  }

  /**
   * Reloads after another replica's change. Reloads never overlap: one asked
   * for while another runs runs once more after it, so the cache always ends
   * on the store's latest state, never on an older read finishing last.
   */
  reloadSoon(): Promise<void> {
    if (this.#reloading !== undefined) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.#reloadAgain = false;
          await this.reload();
        } while (this.#reloadAgain);
      } finally {
        this.#reloading = undefined;
      }
    };
    this.#reloading = run();
    return this.#reloading;
  }

  find(digest: string): KeyEntry | undefined {
    return this.#byDigest.get(digest);
  }

  get empty(): boolean {
    return this.#byName.size === 0;
  }

  /** Every stored key, revoked ones included, by name. */
  list(): StoredKey[] {
    return [...this.#byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): StoredKey | undefined {
    return this.#byName.get(name);
  }

  /**
   * The live (unrevoked) key with this name as authentication gives it, its
   * own limits and budgets included: how BudgetService finds a stored key.
   */
  payer(name: string): KeyInfo | undefined {
    const key = this.#byName.get(name);
    return key === undefined || key.revokedAt !== undefined
      ? undefined
      : this.#byDigest.get(key.digest)?.info;
  }

  /** Every live stored key, as `payer` gives it. */
  payers(): KeyInfo[] {
    const out: KeyInfo[] = [];
    for (const key of this.#byName.values()) {
      const info = key.revokedAt === undefined ? this.#byDigest.get(key.digest)?.info : undefined;
      if (info !== undefined) out.push(info);
    }
    return out;
  }

  /** Stores a new key. A name a config key or another stored key has is `invalid_request`. */
  async create(key: StoredKey): Promise<StoredKey> {
    if (this.#reserved.has(key.name)) {
      throw invalidRequest(`a key named "${key.name}" exists already, in the config file`, "name");
    }
    await this.#store.create(key);
    this.#put(key);
    return key;
  }

  /** Applies the changes; undefined when no stored key has that name. */
  async update(name: string, changes: KeyChanges, now: number): Promise<StoredKey | undefined> {
    if (!this.#byName.has(name)) return undefined;
    const key = await this.#store.update(name, changes, now);
    if (key !== undefined) this.#put(key);
    return key;
  }

  /** Revokes the key for good; undefined when no stored key has that name. */
  async revoke(name: string, now: number): Promise<StoredKey | undefined> {
    if (!this.#byName.has(name)) return undefined;
    const key = await this.#store.revoke(name, now);
    if (key !== undefined) this.#put(key);
    return key;
  }

  #put(key: StoredKey): void {
    this.#byName.set(key.name, key);
    this.#byDigest.set(key.digest, storedEntry(key));
    this.onChanged?.(key.name);
  }
}

/**
 * How authentication holds a stored key. Each change builds a new entry and
 * KeyInfo, so what the limit and budget tables cached for the old object
 * (by identity) is never served for the new one.
 */
function storedEntry(key: StoredKey): KeyEntry {
  const info: KeyInfo = { name: key.name, admin: key.admin, priority: key.priority, team: key.team };
  const scope = keyScope(key.models, key.providers);
  return {
    info: {
      ...info,
      ...(key.owner === "" ? {} : { owner: key.owner }),
      ...(scope === undefined ? {} : { scope }),
      ...(key.limits === undefined ? {} : { limits: key.limits }),
      ...(key.budgets === undefined ? {} : { budgets: key.budgets }),
    },
    digest: key.digest,
    expiresAt: key.expiresAt ?? Number.POSITIVE_INFINITY,
    enabled: key.enabled,
    revoked: key.revokedAt !== undefined,
  };
}
