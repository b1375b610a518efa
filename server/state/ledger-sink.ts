/** One served request, as the ledger keeps it. */
export interface UsageRecord {
  readonly at: number;
  readonly requestId: string;
  readonly key: string;
  /** The key's team when the call was made; "" for none. */
  readonly team: string;
  readonly surface: string;
  readonly provider: string;
  readonly model: string;
  readonly status: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  readonly reasoningTokens: number;
  readonly estimated: boolean;
  readonly latencyMs: number;
  readonly ttftMs: number;
  readonly costUsd: number | undefined;
  /** Upstream attempts made: 0 when refused before any, more than 1 after retries or fallbacks. */
  readonly attempts: number;
  /** Id of the deployment that served the call (or failed last); "" when none was tried. */
  readonly deployment: string;
  /** `exact` or `semantic` when the response cache answered the call; "" or absent otherwise. */
  readonly cache?: string;
  /** For a cache hit: what the cached answer cost when it was made, when priced. */
  readonly costSavedUsd?: number | undefined;
}

/** A filter and time range for reading the ledger back. */
export interface UsageQuery {
  readonly startMs: number;
  readonly endMs: number;
  readonly key?: string;
  readonly team?: string;
  readonly provider?: string;
  readonly model?: string;
}

/** Totals of one key (in one team), provider and model on one UTC day. */
export interface UsageTotals {
  day: string;
  key: string;
  team: string;
  provider: string;
  model: string;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  avgLatencyMs: number;
}

/**
 * The usage ledger's port: where every request's row goes, whatever stores it
 * (SQLite in a worker thread when embedded, PostgreSQL when distributed).
 * `record` is on the request path of every call, so a backend must make it
 * cost next to nothing and never block on storage; reading back is rare and
 * asynchronous.
 */
export interface LedgerSink {
  /** Queues one row; never blocks, never throws at the caller. */
  record(entry: UsageRecord): void;
  /** Totals per UTC day, key, team, provider and model, including rows recorded before the call. */
  totals(query: UsageQuery): Promise<UsageTotals[]>;
  /** Flushes what is queued and closes. */
  close(): Promise<void>;
}
