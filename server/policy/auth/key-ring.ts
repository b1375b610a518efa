import type { KeyInfo } from "../../core/call.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import { admit, type KeyEntry, type KeyLookup, keyDigest } from "./key-entry.ts";
import { keyScope } from "./key-scope.ts";

/** A key as the config file gives it (after the schema's checks). */
export interface ConfigKey {
  readonly name: string;
  readonly key: string;
  readonly admin?: boolean;
  readonly priority?: number;
  readonly team?: string | undefined;
  readonly owner?: string | undefined;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
  /** ISO 8601 date-time. */
  readonly expires_at?: string | undefined;
  readonly enabled?: boolean | undefined;
  readonly models?: readonly string[] | undefined;
  readonly providers?: readonly string[] | undefined;
}

/**
 * The API keys: the configured ones, and the stored ones when a key store
 * is given. Keys are held only as SHA-256 digests, and a presented key is
 * looked up by its digest, so the lookup's time depends on how much of a
 * digest matched, which says nothing about how much of the key was right.
 */
export class KeyRing {
  readonly #byDigest = new Map<string, KeyEntry>();
  readonly #stored: KeyLookup | undefined;

  /**
   * Key names must be unique (config validation refuses duplicates): the
   * name is what the ledger and usage queries show, and two keys sharing one
   * would share each other's usage. Rights stay with each key's own entry.
   */
  constructor(keys: ReadonlyArray<ConfigKey>, stored?: KeyLookup) {
    this.#stored = stored;
    const names = new Set<string>();
    for (const key of keys) {
      if (names.has(key.name)) throw new Error(`duplicate API key name "${key.name}"`);
      names.add(key.name);
      const digest = keyDigest(key.key);
      this.#byDigest.set(digest, configEntry(key, digest));
    }
  }

  /** True when no keys are configured or were ever stored: every caller is let in. */
  get open(): boolean {
    return this.#byDigest.size === 0 && (this.#stored?.empty ?? true);
  }

  /** The configured keys' names, which stored keys may not take. */
  names(): Set<string> {
    return new Set([...this.#byDigest.values()].map((e) => e.info.name));
  }

  /** Returns the key, or throws `unauthenticated`. In an open gateway every caller is an anonymous admin. */
  authenticate(credential: string | undefined): KeyInfo {
    if (this.open) return OPEN;
    if (credential === undefined || credential === "") {
      throw new GatewayError(
        "unauthenticated",
        "missing API key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'",
      );
    }
    const digest = keyDigest(credential);
    const entry = this.#byDigest.get(digest) ?? this.#stored?.find(digest);
    if (entry === undefined) {
      throw new GatewayError("unauthenticated", "invalid API key");
    }
    return admit(entry, Date.now());
  }
}

function configEntry(key: ConfigKey, digest: string): KeyEntry {
  const info: KeyInfo = {
    name: key.name,
    admin: key.admin ?? false,
    priority: key.priority ?? 0,
    team: key.team ?? "",
  };
  const scope = keyScope(key.models, key.providers);
  return {
    info: {
      ...info,
      ...(key.owner === undefined ? {} : { owner: key.owner }),
      ...(scope === undefined ? {} : { scope }),
    },
    digest,
    expiresAt: key.expires_at === undefined ? Number.POSITIVE_INFINITY : Date.parse(key.expires_at),
    enabled: key.enabled ?? true,
    revoked: false,
  };
}

/** Finds the credential in `Authorization: Bearer`, then `x-api-key`, as OpenAI and Anthropic clients send it. */
export function credentialFromHeaders(
  authorization: string | undefined,
  apiKey: string | undefined,
): string | undefined {
  if (authorization !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1] !== undefined) return match[1].trim();
  }
  return apiKey?.trim();
}

/** The caller of an open gateway (no keys configured): nameless, and allowed everything. */
const OPEN: KeyInfo = { name: "", admin: true, priority: 0, team: "" };
