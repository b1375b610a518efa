/**
 * The mock upstream's request recorder: what each request looked like and how it ended, so tests can
 * assert what the gateway sent upstream and that it cancelled upstream work when its caller went away.
 */

import type { IncomingHttpHeaders, IncomingMessage } from "node:http";

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined (no body / not JSON). */
  body: unknown;
  /** The body's bytes as they arrived, or undefined when there were none (for byte-for-byte checks). */
  rawBody: Buffer | undefined;
  /** The request target as sent, query string included. */
  url: string;
  /** Date.now() when the body had been read. */
  receivedAt: number;
  /** The whole response was handed to the OS. */
  completed: boolean;
  /** The client went away before the response finished. */
  aborted: boolean;
  /** The mock cut the connection on purpose (`drop_after`, `reset`); not counted as an abort. */
  dropped: boolean;
}

/** The recorder the server feeds; `requests`, `waitForAbort` and `reset` are what tests see. */
export interface MockRecorder {
  readonly requests: RecordedRequest[];
  /** Records a request whose body has been read; undefined when recording is off. */
  record(req: IncomingMessage, path: string, body: unknown, rawBody?: Buffer): RecordedRequest | undefined;
  /** Notes how the response ended; an unfinished response the mock did not drop is an abort. */
  settle(rec: RecordedRequest, finished: boolean, dropped: boolean): void;
  /** Resolves with the first aborted request not yet returned; rejects after `timeoutMs`. */
  waitForAbort(timeoutMs: number): Promise<RecordedRequest>;
  /** Forget recorded requests and unclaimed aborts. */
  reset(): void;
  /** Rejects every pending `waitForAbort`, so a test waiting on a closed mock fails at once. */
  close(): void;
}

interface Waiter {
  resolve: (r: RecordedRequest) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A recorder; with `enabled` false it records nothing, so the benchmark's long runs keep memory flat
 * (aborts are then not reported either, since nothing is recorded to report).
 */
export function createRecorder(enabled: boolean): MockRecorder {
  const requests: RecordedRequest[] = [];
  const abortQueue: RecordedRequest[] = [];
  const waiters: Waiter[] = [];

  function onAbort(rec: RecordedRequest): void {
    const waiter = waiters.shift();
    if (!waiter) {
      abortQueue.push(rec);
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve(rec);
  }

  return {
    requests,
    record(req, path, body, rawBody) {
      if (!enabled) return undefined;
      const rec: RecordedRequest = {
        method: req.method ?? "GET",
        path,
        headers: req.headers,
        body,
        rawBody,
        url: req.url ?? path,
        receivedAt: Date.now(),
        completed: false,
        aborted: false,
        dropped: false,
      };
      requests.push(rec);
      return rec;
    },
    settle(rec, finished, dropped) {
      rec.completed = finished;
      rec.dropped = dropped;
      if (!finished && !dropped) {
        rec.aborted = true;
        onAbort(rec);
      }
    },
    waitForAbort(timeoutMs) {
      const queued = abortQueue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise<RecordedRequest>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          timer: setTimeout(() => {
            const i = waiters.indexOf(waiter);
            if (i >= 0) waiters.splice(i, 1);
            reject(new Error(`mock upstream: no aborted request within ${timeoutMs} ms`));
          }, timeoutMs),
        };
        waiters.push(waiter);
      });
    },
    reset() {
      requests.length = 0;
      abortQueue.length = 0;
    },
    close() {
      for (const w of waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new Error("mock upstream closed"));
      }
    },
  };
}
