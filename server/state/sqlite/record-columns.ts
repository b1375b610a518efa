import type { UsageRecord } from "../ledger-sink.ts";

/**
 * Numbers per row: at, four token counts, estimated, latency, ttft, cost (NaN
 * when unknown), attempts, cost saved by a cache hit (NaN when none).
 */
const NUMBERS = 11;
/** Strings per row: request id, key, surface, provider, model, status, deployment, team, cache. */
const TEXTS = 9;

/**
 * Rows on their way to the ledger worker, column by column: every number of
 * every row in one Float64Array (its buffer is transferred, not copied) and
 * the strings in one flat array. Keeping the records themselves until the
 * flush would let every one of them outlive a young-generation GC and be
 * promoted to old space; copied into columns, a record dies with its request
 * and only its strings wait.
 */
export interface ColumnBatch {
  readonly count: number;
  readonly numbers: Float64Array;
  readonly texts: string[];
}

/** Collects rows into a `ColumnBatch` between two flushes. */
export class RecordColumns {
  #capacity = 256;
  #count = 0;
  #numbers = new Float64Array(this.#capacity * NUMBERS);
  #texts: string[] = [];

  get count(): number {
    return this.#count;
  }

  push(r: UsageRecord): void {
    if (this.#count === this.#capacity) this.#grow();
    const i = this.#count++;
    const n = i * NUMBERS;
    this.#numbers[n] = r.at;
    this.#numbers[n + 1] = r.promptTokens;
    this.#numbers[n + 2] = r.completionTokens;
    this.#numbers[n + 3] = r.cachedTokens;
    this.#numbers[n + 4] = r.reasoningTokens;
    this.#numbers[n + 5] = r.estimated ? 1 : 0;
    this.#numbers[n + 6] = r.latencyMs;
    this.#numbers[n + 7] = r.ttftMs;
    this.#numbers[n + 8] = r.costUsd ?? Number.NaN;
    this.#numbers[n + 9] = r.attempts;
    this.#numbers[n + 10] = r.costSavedUsd ?? Number.NaN;
    this.#texts.push(
      r.requestId,
      r.key,
      r.surface,
      r.provider,
      r.model,
      r.status,
      r.deployment,
      r.team,
      r.cache ?? "",
    );
  }

  /** Hands over the rows collected so far and starts afresh with storage of the same size. */
  take(): ColumnBatch {
    const batch = { count: this.#count, numbers: this.#numbers, texts: this.#texts };
    this.#numbers = new Float64Array(this.#capacity * NUMBERS);
    this.#texts = [];
    this.#count = 0;
    return batch;
  }

  #grow(): void {
    this.#capacity *= 2;
    const numbers = new Float64Array(this.#capacity * NUMBERS);
    numbers.set(this.#numbers);
    this.#numbers = numbers;
  }
}

/** The usage table's columns in the order `appendRow` gives their values. */
export const ROW_COLUMNS = [
  "at",
  "request_id",
  "key",
  "surface",
  "provider",
  "model",
  "status",
  "prompt_tokens",
  "completion_tokens",
  "cached_tokens",
  "reasoning_tokens",
  "estimated",
  "latency_ms",
  "ttft_ms",
  "cost_usd",
  "attempts",
  "deployment",
  "team",
  "cache",
  "cost_saved_usd",
] as const;

/** Appends row `i` of `batch`, in `ROW_COLUMNS` order, to `out`. */
export function appendRow(batch: ColumnBatch, i: number, out: Array<string | number | null>): void {
  const n = i * NUMBERS;
  const t = i * TEXTS;
  const num = (k: number) => batch.numbers[n + k] as number;
  const text = (k: number) => batch.texts[t + k] as string;
  const cost = num(8);
  out.push(num(0), text(0), text(1), text(2), text(3), text(4), text(5));
  out.push(num(1), num(2), num(3), num(4), num(5), num(6), num(7), Number.isNaN(cost) ? null : cost);
  const saved = num(10);
  out.push(num(9), text(6), text(7), text(8), Number.isNaN(saved) ? null : saved);
}
