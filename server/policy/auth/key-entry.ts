import { hash } from "node:crypto";
import type { KeyInfo } from "../../core/call.ts";
import { GatewayError } from "../../errors/gateway-error.ts";

/** A key as authentication holds it, from the config file or the key store. */
export interface KeyEntry {
  readonly info: KeyInfo;
  /** SHA-256 of the secret, lower-case hex. */
  readonly digest: string;
  /** Date.now() from which the key is refused; Infinity when it never expires. */
  readonly expiresAt: number;
  readonly enabled: boolean;
  readonly revoked: boolean;
}

/** Stored keys, looked up by digest without leaving the event loop. */
export interface KeyLookup {
  /** The key whose secret has this SHA-256 digest (lower-case hex). */
  find(digest: string): KeyEntry | undefined;
  /** Whether any key was ever stored (revoked ones included): a gateway that had keys is never open again. */
  readonly empty: boolean;
}

/**
 * SHA-256 of a secret, lower-case hex: the only form in which the gateway
 * keeps keys. Every authenticated request pays it; asking for hex straight
 * from the one-shot hash is about 3× cheaper than a Buffer turned into hex.
 */
export function keyDigest(secret: string): string {
  return hash("sha256", secret);
}

/**
 * The key's rights, or `unauthenticated` when it may not be used now. The
 * message says why (revoked, disabled, expired and when), never which secret:
 * the caller holds that already.
 */
export function admit(entry: KeyEntry, now: number): KeyInfo {
  if (entry.revoked) throw new GatewayError("unauthenticated", "API key has been revoked");
  if (!entry.enabled) throw new GatewayError("unauthenticated", "API key is disabled");
  if (now >= entry.expiresAt) {
    throw new GatewayError(
      "unauthenticated",
      `API key expired at ${new Date(entry.expiresAt).toISOString()}`,
    );
  }
  return entry.info;
}
