import type { Logger } from "pino";
import type { KeyInfo } from "../../core/call.ts";
import type { GatewayError } from "../../errors/gateway-error.ts";
import type { KeyRing } from "./key-ring.ts";

/** At most one warning per this many ms about failed authentication, however many callers fail. */
const LOG_EVERY_MS = 10_000;

/**
 * Checks credentials for every caller, in the chain and on the query routes
 * (models, usage) alike. A failure is counted and logged, but at a bounded
 * rate: a flood of bad keys must not flood the log.
 */
export class Authenticator {
  readonly #keys: KeyRing;
  readonly #log: Logger;
  readonly #onFailure: () => void;
  #lastLogAt = Number.NEGATIVE_INFINITY;
  #unlogged = 0;

  constructor(keys: KeyRing, log: Logger, onFailure: () => void = () => {}) {
    this.#keys = keys;
    this.#log = log;
    this.#onFailure = onFailure;
  }

  /** Whether every caller is let in (no keys are configured). */
  get open(): boolean {
    return this.#keys.open;
  }

  /** Returns the caller's key, or throws `unauthenticated`. */
  authenticate(credential: string | undefined, requestId: string): KeyInfo {
    try {
      return this.#keys.authenticate(credential);
    } catch (error) {
      this.#failed(requestId, error as GatewayError);
      throw error;
    }
  }

  #failed(requestId: string, error: GatewayError): void {
    this.#onFailure();
    this.#unlogged++;
    const now = performance.now();
    if (now - this.#lastLogAt < LOG_EVERY_MS) return;
    this.#log.warn(
      { requestId, reason: error.message, failuresSinceLastWarning: this.#unlogged },
      "authentication failed",
    );
    this.#lastLogAt = now;
    this.#unlogged = 0;
  }
}
