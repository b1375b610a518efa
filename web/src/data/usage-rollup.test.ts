import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { UsageRowSchema } from "../../../gen/llmgw/v1/usage_pb.js";
import { lastDays, perDay, totalsBy } from "./usage-rollup.ts";

const row = (day: string, key: string, model: string, requests: number, cost: number, latency = 100) =>
  create(UsageRowSchema, {
    day,
    key,
    provider: "mock",
    model,
    requests: BigInt(requests),
    errors: 0n,
    promptTokens: BigInt(requests * 10),
    completionTokens: BigInt(requests * 5),
    costUsd: cost,
    avgLatencyMs: latency,
  });

const ROWS = [
  row("2026-12-01", "a", "small", 2, 0.1, 100),
  row("2026-12-01", "b", "large", 1, 0.5, 400),
  row("2026-12-02", "a", "small", 2, 0.1, 200),
  row("2026-12-02", "c", "tiny", 1, 0.01),
];

describe("usage roll-ups", () => {
  it("sums per group, most expensive first, with a request-weighted latency", () => {
    const byKey = totalsBy(ROWS, "key");
    expect(byKey.map((t) => t.group)).toEqual(["b", "a", "c"]);
    expect(byKey[1]).toMatchObject({
      requests: 4,
      promptTokens: 40,
      completionTokens: 20,
      avgLatencyMs: 150,
    });
    expect(byKey[1]?.costUsd).toBeCloseTo(0.2);
    expect(totalsBy(ROWS, "provider")).toHaveLength(1);
  });

  it("gives per-day columns for the chosen groups and sums the rest as other", () => {
    const { days, names, columns } = perDay(ROWS, "model", ["small", "large"], "requests");
    expect(days).toEqual(["2026-12-01", "2026-12-02"]);
    expect(names).toEqual(["small", "large", "other"]);
    expect(columns).toEqual([
      [2, 2],
      [1, 0],
      [0, 1],
    ]);
    expect(perDay(ROWS, "model", ["small", "large", "tiny"], "tokens").names).toEqual([
      "small",
      "large",
      "tiny",
    ]);
  });

  it("fills every day of a range, with 0 where nothing was used", () => {
    const range = lastDays(new Date("2026-12-02T10:00:00Z"), 3);
    expect(range).toEqual(["2026-11-30", "2026-12-01", "2026-12-02"]);
    const { days, columns } = perDay(ROWS, "key", ["a"], "requests", range);
    expect(days).toEqual(range);
    expect(columns[0]).toEqual([0, 2, 2]);
  });

  it("has no days for no rows", () => {
    expect(perDay([], "key", [], "cost")).toEqual({ days: [], names: [], columns: [] });
  });
});
