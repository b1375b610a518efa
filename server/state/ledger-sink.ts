import type { UsageQuery, UsageRecord, UsageTotals } from "./usage-ledger.ts";

export type { UsageQuery, UsageRecord, UsageTotals } from "./usage-ledger.ts";

/** Where the usage ledger's rows go, whichever backend keeps them. */
export interface LedgerSink {
  /** Queues one row; never blocks, never throws at the caller. */
  record(entry: UsageRecord): void;
  /** Totals per UTC day, key, provider and model, including rows recorded before the call. */
  totals(query: UsageQuery): Promise<UsageTotals[]>;
  /** Flushes what is queued and closes. */
  close(): Promise<void>;
}
