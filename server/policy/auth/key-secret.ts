import { randomBytes } from "node:crypto";
import { keyDigest } from "./key-entry.ts";

/** What every generated secret starts with, so that leaked ones are easy to scan for. */
export const SECRET_PREFIX = "sk-llmgw-";

/** Random characters of a secret shown in listings: enough to tell keys apart, far too few to guess the rest. */
const SHOWN = 6;

/** A new secret, its SHA-256 digest (hex) and its display prefix. The secret itself is never stored. */
export interface NewSecret {
  readonly secret: string;
  readonly digest: string;
  readonly prefix: string;
}

/** Generates a secret: `sk-llmgw-` and 32 random bytes in base64url (256 bits). */
export function newSecret(): NewSecret {
  const secret = SECRET_PREFIX + randomBytes(32).toString("base64url");
  return {
    secret,
    digest: keyDigest(secret),
    prefix: secret.slice(0, SECRET_PREFIX.length + SHOWN),
  };
}
