import { describe, expect, it } from "vitest";
import { overloadSchema } from "../config/overload-schema.ts";
import { OverloadGuard, type Sample } from "./overload-guard.ts";

const calm: Sample = { loopDelayNs: 1e6, heapUsed: 100, heapLimit: 1000, rss: 50_000_000 };

function guardWith(config: Record<string, unknown>, samples: Sample[]): OverloadGuard {
  let i = 0;
  return new OverloadGuard(
    overloadSchema.parse(config),
    () => samples[Math.min(i++, samples.length - 1)] ?? calm,
  );
}

describe("the overload guard", () => {
  it("admits up to max_in_flight, sheds the next, and admits again once one is released", () => {
    const guard = guardWith({ max_in_flight: 2 }, [calm]);
    expect([guard.admit(), guard.admit(), guard.admit()]).toEqual([true, true, false]);
    expect(guard.reason).toBe("in_flight");
    expect(guard.shed.in_flight).toBe(1);
    guard.release();
    expect(guard.admit()).toBe(true);
    expect(guard.inFlight).toBe(2);
  });

  it("sheds while the mean event-loop delay stays over the limit, and recovers when it falls", () => {
    const slow = { ...calm, loopDelayNs: 150e6 };
    const guard = guardWith({ max_event_loop_delay_ms: 100 }, [slow, calm, slow, slow, calm]);
    const changes: Array<string | undefined> = [];
    guard.onChange = (reason) => changes.push(reason);
    guard.check();
    // One slow sample is a pause, not load.
    expect(guard.reason).toBeUndefined();
    guard.check();
    guard.check();
    guard.check();
    expect(guard.admit()).toBe(false);
    expect(guard.reason).toBe("event_loop_delay");
    expect(guard.shed.event_loop_delay).toBe(1);
    guard.check();
    expect(guard.admit()).toBe(true);
    expect(changes).toEqual(["event_loop_delay", undefined]);
  });

  it("sheds on old-generation use over the ratio of its limit, and on RSS over its limit", () => {
    const heap = guardWith({ max_heap_ratio: 0.5 }, [{ ...calm, heapUsed: 600 }]);
    heap.check();
    expect(heap.reason).toBe("heap");
    const rss = guardWith({ max_rss_bytes: 10_000_000 }, [calm]);
    rss.check();
    expect(rss.reason).toBe("rss");
    expect(rss.admit()).toBe(false);
  });

  it("treats 0 as no limit", () => {
    const guard = guardWith(
      { max_in_flight: 0, max_event_loop_delay_ms: 0, max_heap_ratio: 1, max_rss_bytes: 0 },
      [{ loopDelayNs: 9e9, heapUsed: 999, heapLimit: 1000, rss: 9e12 }],
    );
    guard.check();
    for (let i = 0; i < 10_000; i++) expect(guard.admit()).toBe(true);
  });
});
