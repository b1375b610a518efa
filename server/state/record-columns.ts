import type { UsageRecord } from "./usage-ledger.ts";

type Row = Array<string | number | null>;

/**
 * Usage records waiting for the next flush, stored column by column in
 * arrays that live as long as the ledger. Keeping the records themselves
 * until the flush would let every one of them outlive a young-generation GC
 * and be promoted to old space; copied into columns, a record dies with its
 * request and only its request id string waits.
 */
export class RecordColumns {
  #capacity = 0;
  #count = 0;
  #numbers = new Float64Array(0);
  #texts: string[] = [];
  #costs: Array<number | null> = [];

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
    const t = i * TEXTS;
    this.#texts[t] = r.requestId;
    this.#texts[t + 1] = r.key;
    this.#texts[t + 2] = r.surface;
    this.#texts[t + 3] = r.provider;
    this.#texts[t + 4] = r.model;
    this.#texts[t + 5] = r.status;
    this.#costs[i] = r.costUsd ?? null;
  }

  /** Appends row `i`'s values, in the table's column order, to `out`. */
  appendRow(i: number, out: Row): void {
    const n = i * NUMBERS;
    const t = i * TEXTS;
    const num = (k: number) => this.#numbers[n + k] as number;
    const text = (k: number) => this.#texts[t + k] as string;
    out.push(num(0), text(0), text(1), text(2), text(3), text(4), text(5));
    out.push(num(1), num(2), num(3), num(4), num(5), num(6), num(7), this.#costs[i] ?? null);
  }

  /** Forgets every row, keeping the storage; the strings are released. */
  clear(): void {
    this.#texts.fill("", 0, this.#count * TEXTS);
    this.#count = 0;
  }

  #grow(): void {
    this.#capacity = Math.max(256, this.#capacity * 2);
    const numbers = new Float64Array(this.#capacity * NUMBERS);
    numbers.set(this.#numbers);
    this.#numbers = numbers;
  }
}

const NUMBERS = 8;
const TEXTS = 6;
