import { hash, timingSafeEqual } from "node:crypto";
import { GatewayError } from "../errors/gateway-error.ts";

interface KeyEntry {
  readonly name: string;
  readonly digest: Buffer;
  readonly admin: boolean;
}

/**
 * The configured API keys. Keys are held only as SHA-256 digests, and a
 * presented key is compared digest to digest with timingSafeEqual, so neither
 * the lookup nor the comparison depends on how much of a key was right.
 */
export class KeyRing {
  readonly #byDigest = new Map<string, KeyEntry>();
  readonly #admins = new Set<string>();

  constructor(keys: ReadonlyArray<{ name: string; key: string; admin?: boolean }>) {
    for (const { name, key, admin = false } of keys) {
      const digest = sha256(key);
      this.#byDigest.set(digest.toString("base64"), { name, digest, admin });
      if (admin) this.#admins.add(name);
    }
  }

  /** Whether the named key may see every key's usage. In an open gateway, everyone may. */
  isAdmin(name: string): boolean {
    return this.open || this.#admins.has(name);
  }

  /** True when no keys are configured: every caller is let in. */
  get open(): boolean {
    return this.#byDigest.size === 0;
  }

  /** Returns the key's name, or throws `unauthenticated`. */
  authenticate(credential: string | undefined): string {
    if (this.open) return "";
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
    return entry.name;
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

function sha256(text: string): Buffer {
  return hash("sha256", text, "buffer");
}
