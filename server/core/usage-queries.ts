import { GatewayError, invalidRequest } from "../errors/gateway-error.ts";
import type { LedgerSink, UsageTotals } from "../state/ledger-sink.ts";
import type { KeyInfo } from "./call.ts";

const DAY_MS = 86_400_000;

/**
 * A usage query as either surface receives it. Unset times default to the
 * last 30 days; a start after an explicit end is the caller's error.
 */
export interface UsageRequest {
  readonly startMs: number | undefined;
  readonly endMs: number | undefined;
  /** The key to report on; "" for every key the caller may see. */
  readonly key: string;
  /** Only calls of this team's keys; "" for every team. */
  readonly team?: string;
  readonly provider: string;
  readonly model: string;
}

export interface UsageReport {
  readonly startMs: number;
  readonly endMs: number;
  readonly rows: UsageTotals[];
}

/**
 * The usage queries behind `GET /v1/usage` and `UsageService.GetUsage`: one
 * implementation, so both surfaces give the same answer and the same error
 * for the same query. Keys that are not admin keys see only their own rows.
 */
export class UsageQueries {
  readonly #ledger: LedgerSink;

  constructor(ledger: LedgerSink) {
    this.#ledger = ledger;
  }

  async query(caller: KeyInfo, request: UsageRequest): Promise<UsageReport> {
    representable(request.startMs, "start");
    representable(request.endMs, "end");
    // An open-ended range ends now, or at its start if that is later (an empty range, not an error).
    const endMs = request.endMs ?? Math.max(Date.now(), request.startMs ?? 0);
    const startMs = request.startMs ?? endMs - 30 * DAY_MS;
    if (startMs > endMs) throw invalidRequest("start must not be after end", "start");
    const rows = await this.#ledger.totals({
      startMs,
      endMs,
      key: keyFilter(caller, request.key),
      team: request.team ?? "",
      provider: request.provider,
      model: request.model,
    });
    return { startMs, endMs, rows };
  }
}

/** The latest (and, negated, earliest) time a JavaScript Date can hold, in ms: ±100,000,000 days. */
const MAX_TIME_MS = 8.64e15;

/** Refuses a time no date can hold, which the answer could not show. */
function representable(ms: number | undefined, param: string): void {
  if (ms !== undefined && !(Math.abs(ms) <= MAX_TIME_MS)) {
    throw invalidRequest(`${param} is out of range: it must be within 275,760 years of 1970`, param);
  }
}

/** The key filter a caller's query must use: admin keys may ask for any key (or all), others only their own. */
function keyFilter(caller: KeyInfo, requested: string): string {
  if (caller.admin) return requested;
  if (requested !== "" && requested !== caller.name) {
    throw new GatewayError("permission_denied", "only admin keys may read another key's usage", {
      param: "key",
    });
  }
  return caller.name;
}
