import { describe, expect, it } from "vitest";
import { newStats } from "./deployment-live.ts";
import { EWMA_ALPHA, hasSucceeded, isFresh, recordAttempt, STALE_AFTER_MS } from "./deployment-stats.ts";

describe("recordAttempt", () => {
  it("seeds the averages with the first success", () => {
    const stats = newStats();
    recordAttempt(stats, { failed: false, latencyMs: 400, ttftMs: 120, interTokenMs: 15 }, 1_000);
    expect(stats).toMatchObject({
      latencyMs: 400,
      ttftMs: 120,
      interTokenMs: 15,
      attempts: 1,
      failures: 0,
      consecutiveFailures: 0,
      measuredAt: 1_000,
    });
  });

  it("moves each average by alpha towards the new sample", () => {
    const stats = newStats();
    recordAttempt(stats, { failed: false, latencyMs: 100, ttftMs: 50, interTokenMs: 10 }, 1);
    recordAttempt(stats, { failed: false, latencyMs: 200, ttftMs: 150, interTokenMs: 20 }, 2);
    expect(stats.latencyMs).toBeCloseTo(100 + EWMA_ALPHA * 100);
    expect(stats.ttftMs).toBeCloseTo(50 + EWMA_ALPHA * 100);
    expect(stats.interTokenMs).toBeCloseTo(10 + EWMA_ALPHA * 10);
    expect(stats.measuredAt).toBe(2);
  });

  it("keeps the stream averages when a unary attempt reports none", () => {
    const stats = newStats();
    recordAttempt(stats, { failed: false, latencyMs: 100, ttftMs: 40, interTokenMs: 5 }, 1);
    recordAttempt(stats, { failed: false, latencyMs: 300 }, 2);
    expect(stats.ttftMs).toBe(40);
    expect(stats.interTokenMs).toBe(5);
    expect(stats.latencyMs).toBeCloseTo(160);
  });

  it("counts failures without touching the latency averages", () => {
    const stats = newStats();
    recordAttempt(stats, { failed: false, latencyMs: 500 }, 1);
    recordAttempt(stats, { failed: true, latencyMs: 2 }, 2);
    recordAttempt(stats, { failed: true, latencyMs: 3 }, 3);
    expect(stats).toMatchObject({ latencyMs: 500, attempts: 3, failures: 2, consecutiveFailures: 2 });
    expect(stats.measuredAt).toBe(3);
    recordAttempt(stats, { failed: false, latencyMs: 500 }, 4);
    expect(stats.consecutiveFailures).toBe(0);
    expect(stats.failures).toBe(2);
  });

  it("seeds the latency average with the first success after failures", () => {
    const stats = newStats();
    recordAttempt(stats, { failed: true, latencyMs: 1 }, 1);
    recordAttempt(stats, { failed: false, latencyMs: 800 }, 2);
    expect(stats.latencyMs).toBe(800);
    expect(hasSucceeded(stats)).toBe(true);
  });

  it("leaves inFlight to the attempt loop", () => {
    const stats = newStats();
    stats.inFlight = 2;
    recordAttempt(stats, { failed: false, latencyMs: 1 }, 1);
    expect(stats.inFlight).toBe(2);
  });
});

describe("isFresh", () => {
  it("is false before any attempt and after the measurement goes stale", () => {
    const stats = newStats();
    expect(isFresh(stats, 5_000)).toBe(false);
    recordAttempt(stats, { failed: false, latencyMs: 1 }, 5_000);
    expect(isFresh(stats, 5_000 + STALE_AFTER_MS)).toBe(true);
    expect(isFresh(stats, 5_001 + STALE_AFTER_MS)).toBe(false);
  });
});
