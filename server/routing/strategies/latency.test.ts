import { describe, expect, it } from "vitest";
import { STALE_AFTER_MS } from "../deployment-stats.ts";
import { latency } from "./latency.ts";
import { candidate, ids, routeRequest } from "./test-candidates.ts";

const NOW = 1_000_000;
const measured = (latencyMs: number, at = NOW - 1_000) => ({
  latencyMs,
  attempts: 5,
  failures: 0,
  measuredAt: at,
});

describe("latency", () => {
  it("puts the lowest latency average first", () => {
    const list = [
      candidate("slow", { stats: measured(900) }),
      candidate("fast", { stats: measured(100) }),
      candidate("mid", { stats: measured(400) }),
    ];
    latency.order(list, 0, 3, routeRequest({ now: NOW }));
    expect(ids(list)).toEqual(["fast", "mid", "slow"]);
  });

  it("spreads traffic among deployments within 10 % of the fastest, and never onto a slower one", () => {
    const firsts = new Map<string, number>();
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 200; i++) {
      const list = [
        candidate("a", { stats: measured(100) }),
        candidate("b", { stats: measured(108) }),
        candidate("slow", { stats: measured(130) }),
      ];
      latency.order(list, 0, 3, routeRequest({ now: NOW, random }));
      const first = list[0]?.id ?? "";
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
      expect(list[2]?.id).toBe("slow");
    }
    expect(firsts.get("a")).toBeGreaterThan(60);
    expect(firsts.get("b")).toBeGreaterThan(60);
    expect(firsts.get("slow")).toBeUndefined();
  });

  it("tries unmeasured deployments first, fewest in flight first", () => {
    const list = [
      candidate("fast", { stats: measured(50) }),
      candidate("probing", { stats: { inFlight: 1 } }),
      candidate("new"),
    ];
    latency.order(list, 0, 3, routeRequest({ now: NOW }));
    expect(ids(list)).toEqual(["new", "probing", "fast"]);
  });

  it("counts a stale measurement as none, unless an attempt is out to renew it", () => {
    const stale = NOW - STALE_AFTER_MS - 1;
    const list = [
      candidate("fast", { stats: measured(50) }),
      candidate("once-slow", { stats: measured(5_000, stale) }),
    ];
    latency.order(list, 0, 2, routeRequest({ now: NOW }));
    expect(ids(list)).toEqual(["once-slow", "fast"]);

    const renewing = [
      candidate("fast", { stats: measured(50) }),
      candidate("once-slow", { stats: { ...measured(5_000, stale), inFlight: 1 } }),
    ];
    latency.order(renewing, 0, 2, routeRequest({ now: NOW }));
    expect(ids(renewing)).toEqual(["fast", "once-slow"]);
  });

  it("puts a deployment whose recent attempts only failed last", () => {
    const list = [
      candidate("broken", { stats: { attempts: 3, failures: 3, consecutiveFailures: 3, measuredAt: NOW } }),
      candidate("slow", { stats: measured(2_000) }),
    ];
    latency.order(list, 0, 2, routeRequest({ now: NOW }));
    expect(ids(list)).toEqual(["slow", "broken"]);
    expect(latency.score(list, 0, 2, 1, routeRequest({ now: NOW }))).toBe(0);
  });

  it("scores relative to the fastest, and not at all when unmeasured", () => {
    const list = [
      candidate("a", { stats: measured(100) }),
      candidate("b", { stats: measured(400) }),
      candidate("c"),
    ];
    const request = routeRequest({ now: NOW });
    expect(latency.score(list, 0, 3, 0, request)).toBe(1);
    expect(latency.score(list, 0, 3, 1, request)).toBeCloseTo(0.25);
    expect(latency.score(list, 0, 3, 2, request)).toBeUndefined();
  });
});
