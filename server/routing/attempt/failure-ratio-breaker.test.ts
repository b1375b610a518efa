import { CircuitState } from "cockatiel";
import { describe, expect, it } from "vitest";
import { FailureRatioBreaker } from "./failure-ratio-breaker.ts";

/** A breaker on a clock the test moves: half of 10 calls over 10 s, so 1 s buckets. */
function ratioBreaker(failureRatio = 0.5, minRequests = 10) {
  const clock = { now: 1_000_000 };
  const breaker = new FailureRatioBreaker({ failureRatio, windowMs: 10_000, minRequests }, () => clock.now);
  return { breaker, clock };
}

/** Records outcomes (true: failed) on a closed circuit; returns whether the last one said open. */
function record(breaker: FailureRatioBreaker, ...outcomes: boolean[]): boolean {
  let open = false;
  for (const failed of outcomes) {
    if (failed) open = breaker.failure(CircuitState.Closed);
    else breaker.success(CircuitState.Closed);
  }
  return open;
}

const failures = (n: number) => new Array<boolean>(n).fill(true);

describe("FailureRatioBreaker", () => {
  it("opens at the ratio exactly, once there are enough calls", () => {
    const { breaker } = ratioBreaker();
    expect(record(breaker, false, true, false, true, false, true, false, true, false)).toBe(false);
    expect(record(breaker, true)).toBe(true);
    expect(breaker.window).toEqual({ calls: 10, failures: 5 });
  });

  it("never opens on fewer than min requests, however many fail", () => {
    const { breaker } = ratioBreaker(0.5, 10);
    expect(record(breaker, ...failures(9))).toBe(false);
  });

  it("compares the ratio without rounding error (3 of 10 is 0.3)", () => {
    const { breaker } = ratioBreaker(0.3);
    expect(record(breaker, ...new Array<boolean>(7).fill(false), true, true)).toBe(false);
    expect(record(breaker, true)).toBe(true);
  });

  it("drops outcomes older than the window however sparse the calls: nine failures, an hour, one failure", () => {
    const { breaker, clock } = ratioBreaker();
    expect(record(breaker, ...failures(9))).toBe(false);
    clock.now += 60 * 60_000;
    expect(record(breaker, true)).toBe(false);
    expect(breaker.window).toEqual({ calls: 1, failures: 1 });
  });

  it("expires by the clock with no calls at all", () => {
    const { breaker, clock } = ratioBreaker();
    record(breaker, true, true, false);
    clock.now += 10_000;
    expect(breaker.window).toEqual({ calls: 0, failures: 0 });
  });

  it("keeps what is younger than the window and drops older buckets one by one", () => {
    const { breaker, clock } = ratioBreaker();
    // One call a second, the first five failed.
    for (let second = 0; second < 10; second++) {
      record(breaker, second < 5);
      clock.now += 1_000;
    }
    // Ten seconds on: the first second's bucket has left the window, the other nine remain.
    expect(breaker.window).toEqual({ calls: 9, failures: 4 });
    clock.now += 3_000;
    expect(breaker.window).toEqual({ calls: 6, failures: 1 });
    // Four failures now make five of ten: open.
    expect(record(breaker, true, true, true)).toBe(false);
    expect(record(breaker, true)).toBe(true);
  });

  it("never counts an outcome older than the window", () => {
    const { breaker, clock } = ratioBreaker();
    record(breaker, true);
    clock.now += 9_999;
    expect(breaker.window.calls).toBeLessThanOrEqual(1);
    clock.now += 1;
    expect(breaker.window.calls).toBe(0);
  });

  it("counts into the newest bucket when the clock steps back", () => {
    const { breaker, clock } = ratioBreaker();
    record(breaker, true);
    clock.now -= 5_000;
    record(breaker, true);
    expect(breaker.window).toEqual({ calls: 2, failures: 2 });
    // Both sit in the bucket of the later time, and leave with it.
    clock.now += 5_000 + 9_999;
    expect(breaker.window.calls).toBe(2);
    clock.now += 1;
    expect(breaker.window).toEqual({ calls: 0, failures: 0 });
  });

  it("says open on any failure while not closed (a failed probe)", () => {
    const { breaker } = ratioBreaker();
    expect(breaker.failure(CircuitState.HalfOpen)).toBe(true);
  });

  it("starts afresh when a probe's success closes the circuit", () => {
    const { breaker } = ratioBreaker();
    record(breaker, ...failures(10));
    breaker.success(CircuitState.HalfOpen);
    expect(breaker.window).toEqual({ calls: 1, failures: 0 });
    expect(record(breaker, ...failures(8))).toBe(false);
  });

  it("restores the counts it saved", () => {
    const { breaker, clock } = ratioBreaker();
    record(breaker, true, false, true);
    const copy = new FailureRatioBreaker(
      { failureRatio: 0.5, windowMs: 10_000, minRequests: 10 },
      () => clock.now,
    );
    copy.state = breaker.state;
    expect(copy.window).toEqual({ calls: 3, failures: 2 });
    expect(record(copy, ...failures(7))).toBe(true);
  });
});
