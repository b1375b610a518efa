import { describe, expect, it } from "vitest";
import { addEvents, buckets, EMPTY_WINDOW, type LiveEvent, percentile, summarize } from "./live-stats.ts";

const ev = (at: number, over: Partial<LiveEvent> = {}): LiveEvent => ({
  at,
  ok: true,
  latencyMs: 100,
  ttftMs: 0,
  cacheKind: "",
  ...over,
});

describe("the overview's live stats", () => {
  it("takes nearest-rank percentiles", () => {
    expect(percentile([], 0.5)).toBeUndefined();
    expect(percentile([5], 0.99)).toBe(5);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 0.5)).toBe(50);
    expect(percentile(hundred, 0.99)).toBe(99);
  });

  it("forgets events older than the window", () => {
    const w = addEvents(EMPTY_WINDOW, [ev(1_000), ev(50_000)], 60_000, 30_000);
    expect(w.events.map((e) => e.at)).toEqual([50_000]);
    const later = addEvents(w, [ev(90_000)], 90_000, 30_000);
    expect(later.events.map((e) => e.at)).toEqual([90_000]);
  });

  it("sums rates, errors, percentiles over successes, TTFT over streams, and cache hits", () => {
    const now = 100_000;
    const w = addEvents(
      EMPTY_WINDOW,
      [
        ev(now - 90_000, { latencyMs: 400 }),
        ev(now - 5_000, { latencyMs: 100, ttftMs: 20 }),
        ev(now - 4_000, { latencyMs: 200, ttftMs: 40 }),
        ev(now - 3_000, { ok: false, latencyMs: 5 }),
        ev(now - 2_000, { latencyMs: 1, cacheKind: "exact" }),
      ],
      now,
      300_000,
    );
    const s = summarize(w, now, 10_000);
    expect(s.requests).toBe(5);
    expect(s.ratePerS).toBeCloseTo(0.4);
    expect(s.errorRate).toBeCloseTo(0.2);
    expect(s.latencyP50).toBe(100);
    expect(s.latencyP99).toBe(400);
    expect(s.ttftP50).toBe(20);
    expect(s.ttftP99).toBe(40);
    expect(s.cacheHitRate).toBeCloseTo(0.2);
  });

  it("has no rates to show before the first event", () => {
    const s = summarize(EMPTY_WINDOW, 1, 10_000);
    expect(s).toMatchObject({ requests: 0, ratePerS: 0, errorRate: undefined, latencyP50: undefined });
  });

  it("buckets events into per-second rates and per-bucket p50", () => {
    const now = 10_500;
    const w = addEvents(
      EMPTY_WINDOW,
      [ev(8_100, { latencyMs: 10 }), ev(8_900, { latencyMs: 30 }), ev(9_500, { ok: false })],
      now,
      60_000,
    );
    const [xs, rps, eps, p50] = buckets(w, now, 1_000, 4);
    // The last bucket is the one `now` is in.
    expect(xs).toEqual([7, 8, 9, 10]);
    expect(rps).toEqual([0, 2, 1, 0]);
    expect(eps).toEqual([0, 0, 1, 0]);
    expect(p50).toEqual([null, 10, null, null]);
  });
});
