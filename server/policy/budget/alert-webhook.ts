import { createHmac } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { request } from "undici";
import type { BudgetAlert } from "./budget-alerts.ts";

export interface WebhookSettings {
  readonly url: string;
  readonly secret: string;
  readonly timeout_ms: number;
  readonly retries: number;
}

/** The signature header: `sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>`. */
export const SIGNATURE_HEADER = "x-llmgw-signature";

/** The first retry waits this long; each next one twice as long, with jitter. */
const FIRST_BACKOFF_MS = 250;

/** `sha256=<hex>` of a body, as the header carries it. */
export function signature(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * Posts budget alerts to a webhook, signed, off the request path: `send`
 * returns at once and the delivery runs on its own, retried with backoff
 * on a network error, a 429 or a 5xx, up to `retries` times. `close`
 * abandons what is still being retried.
 */
export class AlertWebhook {
  readonly #settings: WebhookSettings;
  readonly #log: Logger;
  readonly #closing = new AbortController();
  readonly #pending = new Set<Promise<void>>();

  constructor(settings: WebhookSettings, log: Logger) {
    this.#settings = settings;
    this.#log = log;
  }

  send(alert: BudgetAlert): void {
    this.post(JSON.stringify(alert), "a budget alert", alert.scope);
  }

  /**
   * Posts any JSON body the same way (signed, retried, off the request
   * path); `what` and `scope` name it in the log line when it cannot be
   * delivered. The telemetry webhooks send their batches through this.
   */
  post(body: string, what: string, scope: string): void {
    const delivery = this.#deliver(body, what, scope).finally(() => this.#pending.delete(delivery));
    this.#pending.add(delivery);
  }

  /** Resolves once every delivery under way has settled (delivered, or given up). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  /** Stops retrying and waits for the deliveries to settle. */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.allSettled([...this.#pending]);
  }

  async #deliver(body: string, what: string, scope: string): Promise<void> {
    const { url, secret, timeout_ms: timeoutMs, retries } = this.#settings;
    const headers = { "content-type": "application/json", [SIGNATURE_HEADER]: signature(body, secret) };
    const closing = this.#closing.signal;
    let why = "";
    for (let attempt = 0; attempt <= retries && !closing.aborted; attempt++) {
      if (attempt > 0) {
        const backoff = FIRST_BACKOFF_MS * 2 ** (attempt - 1);
        try {
          await sleep(backoff / 2 + Math.random() * backoff, undefined, { signal: closing });
        } catch {
          break;
        }
      }
      try {
        const signal = AbortSignal.any([closing, AbortSignal.timeout(timeoutMs)]);
        const answer = await request(url, { method: "POST", headers, body, signal });
        await answer.body.dump();
        if (answer.statusCode < 300) return;
        why = `status ${answer.statusCode}`;
        // A 4xx other than 429 will not get better by asking again.
        if (answer.statusCode < 500 && answer.statusCode !== 429) break;
      } catch (error) {
        why = (error as Error).message;
      }
    }
    this.#log.error({ url, scope, reason: why }, `${what} could not be delivered to its webhook`);
  }
}
