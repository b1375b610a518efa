import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerSink, UsageQuery, UsageRecord, UsageTotals } from "./ledger-sink.ts";
import { usageRecord } from "./ledger-sink-contract.ts";

const DAY_MS = 86_400_000;
const FIRST = Date.UTC(2026, 2, 1);
const DAYS = 6;

/** Rows spread over six UTC days, with rows on and either side of each midnight. */
function generated(): UsageRecord[] {
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const rows: UsageRecord[] = [];
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  for (let i = 0; i < 600; i++) {
    rows.push(
      usageRecord({
        at: FIRST + Math.floor(random() * DAYS * DAY_MS),
        key: pick(["ann", "bob", "cy"]),
        team: pick(["", "red"]),
        provider: pick(["p1", "p2"]),
        model: pick(["m1", "m2"]),
        status: random() < 0.1 ? "upstream_error" : "ok",
        promptTokens: Math.floor(random() * 1000),
        completionTokens: Math.floor(random() * 500),
        latencyMs: Math.floor(random() * 4000) / 4,
        // Multiples of 1/1024 sum exactly in any order, so both answers agree to the last bit.
        costUsd: random() < 0.2 ? undefined : Math.floor(random() * 1024) / 1024,
      }),
    );
  }
  for (let d = 1; d < DAYS; d++) {
    const midnight = FIRST + d * DAY_MS;
    for (const at of [midnight - 1, midnight, midnight + 1])
      rows.push(usageRecord({ at, key: "ann", team: "" }));
  }
  return rows;
}

/** What grouping the raw rows answers: the reference the roll-ups must match exactly. */
function reference(rows: readonly UsageRecord[], q: UsageQuery): UsageTotals[] {
  const groups = new Map<string, UsageTotals & { latency: number }>();
  for (const r of rows) {
    if (r.at < q.startMs || r.at >= q.endMs) continue;
    if ((q.key && r.key !== q.key) || (q.team && r.team !== q.team)) continue;
    if ((q.provider && r.provider !== q.provider) || (q.model && r.model !== q.model)) continue;
    const day = new Date(r.at).toISOString().slice(0, 10);
    const id = [day, r.key, r.team, r.provider, r.model].join("\u0000");
    let g = groups.get(id);
    if (g === undefined) {
      g = {
        day,
        key: r.key,
        team: r.team,
        provider: r.provider,
        model: r.model,
        requests: 0,
        errors: 0,
      } as never;
      Object.assign(g as object, { promptTokens: 0, completionTokens: 0, costUsd: 0, latency: 0 });
      groups.set(id, g as UsageTotals & { latency: number });
    }
    const t = g as UsageTotals & { latency: number };
    t.requests++;
    if (r.status !== "ok") t.errors++;
    t.promptTokens += r.promptTokens;
    t.completionTokens += r.completionTokens;
    t.costUsd += r.costUsd ?? 0;
    t.latency += r.latencyMs;
  }
  const order = (t: UsageTotals) => [t.day, t.key, t.team, t.provider, t.model].join("\u0000");
  return [...groups.values()]
    .map(({ latency, ...t }) => ({ ...t, avgLatencyMs: latency / t.requests }))
    .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

const at = (day: number, hours = 0, minutes = 0) => FIRST + day * DAY_MS + (hours * 60 + minutes) * 60_000;

/** Ranges whose edges fall on, beside and between UTC midnights, as callers in other time zones send them. */
const QUERIES: ReadonlyArray<readonly [string, UsageQuery]> = [
  ["everything", { startMs: 0, endMs: at(30) }],
  ["whole days only", { startMs: at(1), endMs: at(4) }],
  ["midnight in UTC+05:30 on both edges", { startMs: at(1, -5, -30), endMs: at(4, -5, -30) }],
  ["midnight in UTC-08:00 on both edges", { startMs: at(0, 8), endMs: at(5, 8) }],
  ["one ms either side of midnight", { startMs: at(2) - 1, endMs: at(3) + 1 }],
  ["inside one day", { startMs: at(2, 3), endMs: at(2, 20) }],
  ["across one midnight, no whole day", { startMs: at(2, 20), endMs: at(3, 4) }],
  ["empty", { startMs: at(3, 5), endMs: at(3, 5) }],
  ["filtered by key and model", { startMs: at(0, 12), endMs: at(5, 12), key: "bob", model: "m2" }],
  ["filtered by team and provider", { startMs: at(1, 1), endMs: at(6), team: "red", provider: "p1" }],
];

/**
 * A ledger's usage totals read through its daily roll-ups must be the same
 * answer as grouping its raw rows, for any range and filter. Run with a
 * factory that opens an empty ledger.
 */
export function ledgerRollupContract(name: string, open: () => LedgerSink | Promise<LedgerSink>): void {
  describe(`usage roll-ups: ${name}`, () => {
    const rows = generated();
    let ledger: LedgerSink;
    beforeAll(async () => {
      ledger = await open();
      // Written in several flushes, so roll-up rows are added to as well as created.
      for (let i = 0; i < rows.length; i += 100) {
        for (const row of rows.slice(i, i + 100)) ledger.record(row);
        await ledger.totals({ startMs: 0, endMs: 1 });
      }
    });
    afterAll(async () => {
      await ledger?.close();
    });

    for (const [what, query] of QUERIES)
      it(`answers as the raw rows do: ${what}`, async () => {
        const expected = reference(rows, query);
        const got = await ledger.totals(query);
        expect(got.map((t) => ({ ...t, avgLatencyMs: Math.round(t.avgLatencyMs * 1e6) / 1e6 }))).toEqual(
          expected.map((t) => ({ ...t, avgLatencyMs: Math.round(t.avgLatencyMs * 1e6) / 1e6 })),
        );
        if (what !== "empty") expect(got.length).toBeGreaterThan(0);
      });
  });
}
