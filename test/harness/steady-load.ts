/**
 * Steady load for the fault suites: `rate` calls a second for `durationMs`,
 * each started on schedule whether or not the earlier ones have answered
 * (an open-loop generator, as real traffic is), and every outcome kept with
 * when it started and how long it took.
 */

/** What one call came to, as the test's `send` reports it. */
export interface Result {
  /** 200, or the HTTP status of the error; -1 when no status came (the connection failed). */
  readonly status: number;
  /** The error's stable code (`unavailable`, `rate_limited`, …), or how the connection failed. */
  readonly code?: string;
  /** The request id the gateway gave the answer (for the ledger). */
  readonly requestId?: string;
}

export interface Shot extends Result {
  /** ms after the load started that this call was sent. */
  readonly at: number;
  /** ms it took to answer or fail. */
  readonly ms: number;
}

/** Runs `send` `rate` times a second for `durationMs`; resolves with every outcome once all have settled. */
export async function steadyLoad(
  rate: number,
  durationMs: number,
  send: (i: number) => Promise<Result>,
): Promise<Shot[]> {
  const start = performance.now();
  const count = Math.floor((rate * durationMs) / 1000);
  const shots: Promise<Shot>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const at = performance.now() - start;
    shots.push(
      send(i).then(
        (result) => ({ ...result, at, ms: performance.now() - start - at }),
        (error: unknown) => ({
          status: -1,
          code: (error as Error).message,
          at,
          ms: performance.now() - start - at,
        }),
      ),
    );
  }
  return Promise.all(shots);
}

/** How many shots had each status (and code), for a readable assertion message. */
export function tally(shots: readonly Shot[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of shots) {
    const name = s.code === undefined ? String(s.status) : `${s.status} ${s.code}`;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** "p50 / p99" of the shots' times (ms), for a log line. */
export function percentiles(shots: readonly Shot[]): string {
  const ms = shots.map((s) => s.ms).sort((x, y) => x - y);
  const at = (q: number) => (ms[Math.min(ms.length - 1, Math.floor(ms.length * q))] ?? Number.NaN).toFixed(1);
  return `${at(0.5)} / ${at(0.99)}`;
}
