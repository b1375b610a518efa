import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { BreakerSettings, BreakerState } from "../deployment.ts";
import { createBreaker } from "./breaker.ts";

const settings: BreakerSettings = {
  consecutiveFailures: 3,
  failureRatio: 0.5,
  ratioWindowMs: 10_000,
  ratioMinRequests: 10,
  halfOpenAfterMs: 5_000,
};

/** cockatiel records an outcome a few microtasks after it settles; a macrotask later it has. */
function recorded(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function breaker(overrides: Partial<BreakerSettings> = {}) {
  const heard: BreakerState[] = [];
  const b = createBreaker({ ...settings, ...overrides }, "cloud:gpt-4o", (id, state) => {
    expect(id).toBe("cloud:gpt-4o");
    heard.push(state);
  });
  return { b, heard };
}

/** Runs attempts that each end at once with the given outcomes (true: failed). */
async function attempts(b: ReturnType<typeof breaker>["b"], ...outcomes: boolean[]): Promise<void> {
  for (const failed of outcomes) {
    b.admit()(failed);
    await recorded();
  }
}

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected circuit_open");
}

beforeEach(() => {
  // cockatiel reads Date.now(); only the clock is faked, so setImmediate still runs.
  vi.useFakeTimers({ toFake: ["Date"], now: 1_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("createBreaker", () => {
  it("starts closed and stays closed while failures are interrupted by successes", async () => {
    const { b, heard } = breaker();
    expect(b.state).toBe("closed");
    await attempts(b, true, true, false, true, true, false);
    expect(b.state).toBe("closed");
    expect(heard).toEqual([]);
  });

  it("opens after consecutive failures and then refuses at once with circuit_open", async () => {
    const { b, heard } = breaker();
    await attempts(b, true, true);
    expect(b.state).toBe("closed");
    await attempts(b, true);
    expect(b.state).toBe("open");
    expect(heard).toEqual(["open"]);

    vi.advanceTimersByTime(1_000);
    const error = refusal(() => b.admit());
    expect(error.code).toBe("circuit_open");
    expect(error.message).toBe("cloud:gpt-4o's circuit is open");
    expect(error.retryAfterMs).toBe(4_000);
    expect(b.state).toBe("open");
  });

  it("opens on an attempt that ends long after it was admitted (a stream)", async () => {
    const { b } = breaker();
    const streams = [b.admit(), b.admit(), b.admit()];
    vi.advanceTimersByTime(60_000);
    for (const settle of streams) settle(true);
    await recorded();
    expect(b.state).toBe("open");
  });

  it("half-opens after the delay with exactly one probe, and closes when it succeeds", async () => {
    const { b, heard } = breaker();
    await attempts(b, true, true, true);
    vi.advanceTimersByTime(4_999);
    expect(() => b.admit()).toThrow(GatewayError);

    vi.advanceTimersByTime(1);
    // Due for its probe: it reads half-open before any attempt, though cockatiel only moves on the
    // next call, which is when the listener hears it.
    expect(b.state).toBe("half_open");
    expect(heard).toEqual(["open"]);
    const probe = b.admit();
    expect(b.state).toBe("half_open");
    expect(heard).toEqual(["open", "half_open"]);
    const second = refusal(() => b.admit());
    expect(second.code).toBe("circuit_open");
    expect(second.message).toContain("half-open");

    probe(false);
    await recorded();
    expect(b.state).toBe("closed");
    expect(heard).toEqual(["open", "half_open", "closed"]);
    // Closed again, with a fresh count: two failures do not reopen it.
    await attempts(b, true, true);
    expect(b.state).toBe("closed");
  });

  it("reopens when the probe fails, for another full delay", async () => {
    const { b, heard } = breaker();
    await attempts(b, true, true, true);
    vi.advanceTimersByTime(5_000);
    const probe = b.admit();
    expect(b.state).toBe("half_open");
    vi.advanceTimersByTime(2_000);
    probe(true);
    await recorded();
    expect(b.state).toBe("open");
    expect(heard).toEqual(["open", "half_open", "open"]);
    expect(refusal(() => b.admit()).retryAfterMs).toBe(5_000);
    vi.advanceTimersByTime(4_999);
    expect(b.state).toBe("open");

    vi.advanceTimersByTime(1);
    expect(b.state).toBe("half_open");
    const again = b.admit();
    again(false);
    await recorded();
    expect(b.state).toBe("closed");
    expect(heard).toEqual(["open", "half_open", "open", "half_open", "closed"]);
  });

  it("does not judge the ratio before ratio_min_requests calls", async () => {
    const { b } = breaker({ consecutiveFailures: 100 });
    // Nine calls, five failed: above the ratio, but too few calls.
    await attempts(b, true, false, true, false, true, false, true, false, true);
    expect(b.state).toBe("closed");
  });

  it("opens when the failure ratio over the window reaches the setting", async () => {
    const { b, heard } = breaker({ consecutiveFailures: 100 });
    await attempts(b, false, true, false, true, false, true, false, true, false);
    expect(b.state).toBe("closed");
    // The tenth call: five of ten failed, exactly the ratio.
    await attempts(b, true);
    expect(b.state).toBe("open");
    expect(heard).toEqual(["open"]);
  });

  it("does not open below the failure ratio", async () => {
    const { b } = breaker({ consecutiveFailures: 100 });
    for (let i = 0; i < 10; i++) await attempts(b, false, true, false);
    expect(b.state).toBe("closed");
  });

  it("forgets calls that have left the ratio window", async () => {
    const { b } = breaker({ consecutiveFailures: 100 });
    await attempts(b, true, true, true, true, true, true, true, true, true);
    // Steady traffic: one success a second for the whole window.
    for (let second = 0; second < 10; second++) {
      vi.advanceTimersByTime(1_000);
      await attempts(b, false);
    }
    // Eight new failures against the window's nine or ten successes stay below half; had the first
    // nine failures stayed in the window, it would be 17 of 27 and open.
    vi.advanceTimersByTime(1_000);
    await attempts(b, true, true, true, true, true, true, true, true);
    expect(b.state).toBe("closed");
    await attempts(b, true);
    expect(b.state).toBe("open");
  });

  it("forgets failures that left the window during a quiet spell", async () => {
    const { b } = breaker({ consecutiveFailures: 100 });
    await attempts(b, true, true, true, true, true, true, true, true, true);
    vi.advanceTimersByTime(60 * 60_000);
    // Ten calls, all failed, had the first nine still counted.
    await attempts(b, true);
    expect(b.state).toBe("closed");
    // The window still judges the calls inside it: ten of ten failed.
    await attempts(b, true, true, true, true, true, true, true, true);
    expect(b.state).toBe("closed");
    await attempts(b, true);
    expect(b.state).toBe("open");
  });

  it("counts outcomes that end in the same tick in the order they end", async () => {
    const { b, heard } = breaker();
    const settles = [b.admit(), b.admit(), b.admit(), b.admit(), b.admit()];
    // Two failures, a success, two failures: never three in a row.
    for (const [at, settle] of settles.entries()) settle(at !== 2);
    await recorded();
    expect(b.state).toBe("closed");
    // Four failures in one tick: the third and the fourth both say open, and it opens once.
    const more = [b.admit(), b.admit(), b.admit(), b.admit()];
    for (const settle of more) settle(true);
    await recorded();
    expect(b.state).toBe("open");
    expect(heard).toEqual(["open"]);
    vi.advanceTimersByTime(5_000);
    b.admit()(false);
    await recorded();
    expect(heard).toEqual(["open", "half_open", "closed"]);
    await attempts(b, true, true);
    expect(b.state).toBe("closed");
  });

  it("lets the probe alone decide, whatever attempts admitted before the circuit opened do", async () => {
    const { b, heard } = breaker();
    const olderStream = b.admit();
    const olderSuccess = b.admit();
    await attempts(b, true, true, true);
    vi.advanceTimersByTime(5_000);
    const probe = b.admit();
    olderStream(true);
    olderSuccess(false);
    await recorded();
    expect(b.state).toBe("half_open");
    probe(false);
    await recorded();
    expect(b.state).toBe("closed");
    expect(heard).toEqual(["open", "half_open", "closed"]);
  });

  it("names the provider in circuit_open when given one", async () => {
    const b = createBreaker(settings, "cloud:gpt-4o", undefined, "openai");
    await attempts(b, true, true, true);
    expect(refusal(() => b.admit()).provider).toBe("openai");
    vi.advanceTimersByTime(5_000);
    b.admit();
    const halfOpen = refusal(() => b.admit());
    expect([halfOpen.code, halfOpen.provider]).toEqual(["circuit_open", "openai"]);
    const { b: anonymous } = breaker();
    await attempts(anonymous, true, true, true);
    expect(refusal(() => anonymous.admit()).provider).toBeUndefined();
  });

  it("reports no unhandled rejection when it refuses", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const { b } = breaker();
      await attempts(b, true, true, true);
      expect(() => b.admit()).toThrow(GatewayError);
      vi.advanceTimersByTime(5_000);
      b.admit();
      expect(() => b.admit()).toThrow(GatewayError);
      await recorded();
      await recorded();
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
