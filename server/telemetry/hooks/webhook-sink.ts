import type { Logger } from "pino";
import type { RequestWebhookConfig } from "../../config/telemetry-schema.ts";
import type { Outcome } from "../../core/end-hooks.ts";
import { AlertWebhook } from "../../policy/budget/alert-webhook.ts";
import type { RequestInfo, TelemetryHooks } from "./telemetry-hooks.ts";

/** One request's end as a webhook receives it. */
export interface RequestEvent {
  readonly requestId: string;
  /** ISO 8601, when the request ended. */
  readonly time: string;
  readonly surface: string;
  readonly key: string;
  readonly team: string;
  readonly provider: string;
  readonly model: string;
  readonly deployment: string;
  /** `ok`, or the caller's error code. */
  readonly status: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number | null;
  readonly latencyMs: number;
  readonly ttftMs: number;
  readonly attempts: number;
  readonly traceId: string;
}

/**
 * Sends every request's end to a webhook in batches: a POST of
 * `{"events": [...]}` once `batch_size` events are waiting or
 * `flush_interval_ms` has passed, signed and retried by the same machinery
 * as the budget alerts (`x-llmgw-signature: sha256=<HMAC of the body>`).
 * Off the request path: a request only appends its event. A receiver that
 * cannot keep up loses the oldest events past `max_pending`, with a log line.
 */
export class WebhookSink implements TelemetryHooks {
  readonly #config: RequestWebhookConfig;
  readonly #webhook: AlertWebhook;
  readonly #log: Logger;
  #events: RequestEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Events dropped past `max_pending` since the last flush. */
  #dropped = 0;

  constructor(config: RequestWebhookConfig, log: Logger) {
    this.#config = config;
    this.#webhook = new AlertWebhook(config, log);
    this.#log = log;
  }

  onRequestEnd(outcome: Outcome, request: RequestInfo): void {
    const served = outcome.served;
    this.#events.push({
      requestId: request.requestId,
      time: new Date().toISOString(),
      surface: request.surface,
      key: request.key,
      team: request.team,
      provider: served?.provider ?? "",
      model: served?.model ?? request.model,
      deployment: served?.id ?? "",
      status: outcome.status,
      promptTokens: outcome.usage?.promptTokens ?? 0,
      completionTokens: outcome.usage?.completionTokens ?? 0,
      costUsd: outcome.costUsd ?? null,
      latencyMs: outcome.latencyMs,
      ttftMs: outcome.ttftMs,
      attempts: outcome.attempts,
      traceId: request.traceId,
    });
    if (this.#events.length > this.#config.max_pending) {
      this.#events.shift();
      this.#dropped++;
    }
    if (this.#events.length >= this.#config.batch_size) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#config.flush_interval_ms);
  }

  /** Sends what is waiting, in batches of at most `batch_size`. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#dropped > 0) {
      this.#log.error(
        { url: this.#config.url, dropped: this.#dropped },
        "request events were dropped for a slow webhook",
      );
      this.#dropped = 0;
    }
    const size = this.#config.batch_size;
    const events = this.#events;
    this.#events = [];
    for (let i = 0; i < events.length; i += size)
      this.#webhook.post(
        JSON.stringify({ events: events.slice(i, i + size) }),
        "a batch of request events",
        "requests",
      );
  }

  /**
   * Sends what is waiting and gives the deliveries one attempt's timeout to
   * land, then stops their retries.
   */
  async close(): Promise<void> {
    this.flush();
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#config.timeout_ms);
    });
    await Promise.race([this.#webhook.settled(), waited]);
    clearTimeout(timer);
    await this.#webhook.close();
  }
}
