import { describe, expect, it } from "vitest";
import { candidate, ids, routeRequest } from "./test-candidates.ts";
import { EXPECTED_TOKENS, ttft } from "./ttft.ts";

const NOW = 1_000_000;
const stats = (latencyMs: number, ttftMs: number, interTokenMs: number) => ({
  latencyMs,
  ttftMs,
  interTokenMs,
  attempts: 4,
  measuredAt: NOW - 10,
});

describe("ttft", () => {
  it("ranks a stream by first token plus the expected gaps between tokens", () => {
    // quick-start: 100 + 16 × 50 = 900; steady: 300 + 16 × 10 = 460.
    const list = [
      candidate("quick-start", { stats: stats(5_000, 100, 50) }),
      candidate("steady", { stats: stats(9_000, 300, 10) }),
    ];
    ttft.order(list, 0, 2, routeRequest({ now: NOW, stream: true }));
    expect(ids(list)).toEqual(["steady", "quick-start"]);
    const score = ttft.score(list, 0, 2, 1, routeRequest({ now: NOW, stream: true }));
    expect(score).toBeCloseTo((300 + EXPECTED_TOKENS * 10) / (100 + EXPECTED_TOKENS * 50));
  });

  it("moves streams away from a deployment slow to the first token", () => {
    const list = [
      candidate("a", { stats: stats(1_000, 2_000, 10) }),
      candidate("b", { stats: stats(1_000, 200, 10) }),
    ];
    ttft.order(list, 0, 2, routeRequest({ now: NOW, stream: true }));
    expect(list[0]?.id).toBe("b");
  });

  it("ranks a unary call by the whole latency", () => {
    const list = [
      candidate("quick-start", { stats: stats(5_000, 100, 50) }),
      candidate("steady", { stats: stats(900, 300, 10) }),
    ];
    ttft.order(list, 0, 2, routeRequest({ now: NOW, stream: false }));
    expect(ids(list)).toEqual(["steady", "quick-start"]);
  });

  it("counts a deployment only measured on unary calls as unmeasured for a stream", () => {
    const list = [
      candidate("streamed", { stats: stats(900, 300, 10) }),
      candidate("unary-only", { stats: stats(100, 0, 0) }),
    ];
    ttft.order(list, 0, 2, routeRequest({ now: NOW, stream: true }));
    expect(ids(list)).toEqual(["unary-only", "streamed"]);
  });
});
