import { Worker } from "node:worker_threads";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { LedgerSink, UsageQuery, UsageRecord, UsageTotals } from "../ledger-sink.ts";
import type { LedgerReply, LedgerRequest } from "./ledger-worker.ts";
import { RecordColumns } from "./record-columns.ts";

const WORKER = new URL("./ledger-worker.ts", import.meta.url);

/**
 * The embedded usage ledger: a SQLite file owned by a worker thread.
 *
 * The request path only copies a record into columns (`record`). Every flush
 * interval the columns go to the worker in one message (the numbers' buffer
 * transferred, not copied), and the worker inserts them in one transaction.
 * SQLite's writes, fsyncs and WAL checkpoints therefore never run on the
 * event loop, where a checkpoint of a few ms lands in some request's latency
 * and shows at p99. Messages are handled in order, so a `totals` posted after
 * a flush sees its rows. A failed write goes to `onError`, never to a caller.
 */
export class SqliteLedger implements LedgerSink {
  readonly #worker: Worker;
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (error: unknown) => void;
  readonly #pending = new RecordColumns();
  /** performance.now() when the oldest row not yet handed to the worker was recorded; 0 when none is. */
  #pendingSince = 0;
  /** Told how many records were lost for good (the dropped-records metric); set by the gateway. */
  onDropped: ((records: number) => void) | undefined;

  readonly #waiting = new Map<number, { resolve(rows?: unknown[]): void; reject(error: unknown): void }>();
  #nextId = 0;
  #closed: Promise<void> | undefined;

  constructor(path: string, flushIntervalMs = 250, onError: (error: unknown) => void = () => {}) {
    this.#onError = onError;
    this.#worker = new Worker(WORKER, { workerData: { path } });
    // An idle ledger does not keep the process alive; a pending answer does (see #ask).
    this.#worker.unref();
    this.#worker.on("message", (reply: LedgerReply) => this.#reply(reply));
    this.#worker.on("error", (error) => {
      this.#onError(error);
      this.#failAll(error);
    });
    this.#worker.on("exit", () => this.#failAll(new Error("the usage ledger's worker stopped")));
    this.#timer = setInterval(() => this.#flush(), flushIntervalMs);
    this.#timer.unref();
  }

  record(entry: UsageRecord): void {
    if (this.#closed !== undefined) return;
    if (this.#pending.count === 0) this.#pendingSince = performance.now();
    this.#pending.push(entry);
  }

  async totals(query: UsageQuery): Promise<UsageTotals[]> {
    if (this.#closed !== undefined) throw new GatewayError("unavailable", "the usage ledger is closed");
    this.#flush();
    try {
      return (await this.#ask((id) => ({ type: "totals", id, query }))) as UsageTotals[];
    } catch (error) {
      throw new GatewayError("unavailable", `the usage ledger cannot be read: ${(error as Error).message}`);
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#timer);
      this.#flush();
      try {
        await this.#ask((id) => ({ type: "close", id }));
      } catch {
        // The worker is gone already; there is nothing left to close.
      }
      await this.#worker.terminate();
    })();
    return this.#closed;
  }

  /** ms the oldest row not yet handed to the worker has waited; 0 when none waits. */
  lagMs(): number {
    return this.#pending.count === 0 ? 0 : performance.now() - this.#pendingSince;
  }

  #flush(): void {
    if (this.#pending.count === 0) return;
    const batch = this.#pending.take();
    this.#post({ type: "batch", batch }, [batch.numbers.buffer as ArrayBuffer]);
  }

  #ask(message: (id: number) => LedgerRequest): Promise<unknown[] | undefined> {
    const id = this.#nextId++;
    const answer = new Promise<unknown[] | undefined>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
    });
    if (this.#waiting.size === 1) this.#worker.ref();
    this.#post(message(id));
    return answer;
  }

  #post(message: LedgerRequest, transfer: ArrayBuffer[] = []): void {
    try {
      this.#worker.postMessage(message, transfer);
    } catch (error) {
      this.#onError(error);
    }
  }

  #reply(reply: LedgerReply): void {
    if (reply.type === "error") {
      this.#onError(reply.error);
      // A batch the worker could not write is not written again: its rows are lost.
      if (reply.rows !== undefined) this.onDropped?.(reply.rows);
      return;
    }
    const waiting = this.#waiting.get(reply.id);
    if (waiting === undefined) return;
    this.#waiting.delete(reply.id);
    if (this.#waiting.size === 0) this.#worker.unref();
    if (reply.error === undefined) waiting.resolve(reply.rows);
    else waiting.reject(reply.error);
  }

  #failAll(error: unknown): void {
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }
}
