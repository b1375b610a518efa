import type { Logger } from "pino";

/** While the store keeps failing, at most one log line per this many ms. */
const LOG_EVERY_MS = 10_000;

/** How one policy names its store in the log. */
export interface StoreWords {
  /** e.g. "rate-limit store". */
  readonly store: string;
  /** What fail_open does to a call, e.g. "calls pass unlimited (limits.fail_open)". */
  readonly whenOpen: string;
}

/**
 * Tells the log when a policy's state store (limits, budgets) starts
 * failing, now and then while it goes on failing (with how many calls it
 * failed meanwhile), and when it answers again: a store that is down must
 * not write one line per request. Failing closed is an error line, failing
 * open a warning. `degraded` is what the `llmgw_state_degraded` gauge reads;
 * `onChange` is told each switch.
 */
export class StoreHealth {
  readonly #log: Logger;
  readonly #failOpen: boolean;
  readonly #words: StoreWords;
  readonly #onChange: (degraded: boolean) => void;
  #degraded = false;
  #lastLogAt = Number.NEGATIVE_INFINITY;
  #unlogged = 0;

  constructor(
    log: Logger,
    failOpen: boolean,
    words: StoreWords,
    onChange: (degraded: boolean) => void = () => {},
  ) {
    this.#log = log;
    this.#failOpen = failOpen;
    this.#words = words;
    this.#onChange = onChange;
  }

  get degraded(): boolean {
    return this.#degraded;
  }

  /** A store operation failed (`what`: take, adjust, reserve, settle). */
  failed(what: string, error: unknown): void {
    if (!this.#degraded) {
      this.#degraded = true;
      this.#onChange(true);
    }
    this.#unlogged++;
    const now = performance.now();
    if (now - this.#lastLogAt < LOG_EVERY_MS) return;
    const fields = { err: error, operation: what, failuresSinceLastLine: this.#unlogged };
    if (this.#failOpen) this.#log.warn(fields, `the ${this.#words.store} failed: ${this.#words.whenOpen}`);
    else this.#log.error(fields, `the ${this.#words.store} failed: calls are refused with unavailable`);
    this.#lastLogAt = now;
    this.#unlogged = 0;
  }

  /** A store operation succeeded after failures. */
  recovered(): void {
    if (!this.#degraded) return;
    this.#degraded = false;
    this.#lastLogAt = Number.NEGATIVE_INFINITY;
    this.#log.info({ failuresSinceLastLine: this.#unlogged }, `the ${this.#words.store} answers again`);
    this.#unlogged = 0;
    this.#onChange(false);
  }
}
