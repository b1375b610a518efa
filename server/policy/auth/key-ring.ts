import { hash, timingSafeEqual } from "node:crypto";
import type { KeyInfo } from "../../core/call.ts";
import { GatewayError } from "../../errors/gateway-error.ts";

interface KeyEntry {
  readonly info: KeyInfo;
  readonly digest: Buffer;
}

/**
 * The configured API keys. Keys are held only as SHA-256 digests, and a
 * presented key is compared digest to digest with timingSafeEqual, so neither
 * the lookup nor the comparison depends on how much of a key was right.
 */
export class KeyRing {
  readonly #byDigest = new Map<string, KeyEntry>();

  /**
   * Key names must be unique (config validation refuses duplicates): the
   * name is what the ledger and usage queries show, and two keys sharing one
   * would share each other's usage. Rights stay with each key's own entry.
   */
  constructor(
    keys: ReadonlyArray<{
      name: string;
      key: string;
      admin?: boolean;
      priority?: number;
      team?: string | undefined;
    }>,
  ) {
    const names = new Set<string>();
    for (const { name, key, admin = false, priority = 0, team = "" } of keys) {
      if (names.has(name)) throw new Error(`duplicate API key name "${name}"`);
      names.add(name);
      const digest = sha256(key);
      this.#byDigest.set(digest.toString("base64"), { info: { name, admin, priority, team }, digest });
    }
  }

  /** True when no keys are configured: every caller is let in. */
  get open(): boolean {
    return this.#byDigest.size === 0;
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
    const digest = sha256(credential);
    const entry = this.#byDigest.get(digest.toString("base64"));
    if (entry === undefined || !timingSafeEqual(entry.digest, digest)) {
      throw new GatewayError("unauthenticated", "invalid API key");
    }
    return entry.info;
  }
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

function sha256(text: string): Buffer {
  return hash("sha256", text, "buffer");
}
