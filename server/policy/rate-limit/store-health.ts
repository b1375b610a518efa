import type { Logger } from "pino";

/** While the store keeps failing, at most one log line per this many ms. */
const LOG_EVERY_MS = 10_000;

/**
 * Tells the log when the limit store starts failing, now and then while it
 * goes on failing (with how many calls it failed meanwhile), and when it
 * answers again: a store that is down must not write one line per request.
 * `onChange` is told each switch, for a degraded gauge.
 */
export class StoreHealth {
  readonly #log: Logger;
  readonly #failOpen: boolean;
  readonly #onChange: (degraded: boolean) => void;
  #degraded = false;
  #lastLogAt = Number.NEGATIVE_INFINITY;
  #unlogged = 0;

  constructor(log: Logger, failOpen: boolean, onChange: (degraded: boolean) => void = () => {}) {
    this.#log = log;
    this.#failOpen = failOpen;
    this.#onChange = onChange;
  }

  get degraded(): boolean {
    return this.#degraded;
  }

  /** A store operation failed (`what`: take or adjust). */
  failed(what: string, error: unknown): void {
    if (!this.#degraded) {
      this.#degraded = true;
      this.#onChange(true);
    }
    this.#unlogged++;
    const now = performance.now();
    if (now - this.#lastLogAt < LOG_EVERY_MS) return;
    const fields = { err: error, operation: what, failuresSinceLastLine: this.#unlogged };
    if (this.#failOpen)
      this.#log.warn(fields, "the rate-limit store failed: calls pass unlimited (limits.fail_open)");
    else this.#log.error(fields, "the rate-limit store failed: calls are refused with unavailable");
    this.#lastLogAt = now;
    this.#unlogged = 0;
  }

  /** A store operation succeeded after failures. */
  recovered(): void {
    if (!this.#degraded) return;
    this.#degraded = false;
    this.#lastLogAt = Number.NEGATIVE_INFINITY;
    this.#log.info({ failuresSinceLastLine: this.#unlogged }, "the rate-limit store answers again");
    this.#unlogged = 0;
    this.#onChange(false);
  }
}
