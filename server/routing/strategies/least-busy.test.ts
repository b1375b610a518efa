import { describe, expect, it } from "vitest";
import { leastBusy } from "./least-busy.ts";
import { candidate, ids, routeRequest, sequence } from "./test-candidates.ts";

describe("least-busy", () => {
  it("puts the fewest in flight plus queued first", () => {
    const list = [
      candidate("busy", { stats: { inFlight: 3 } }),
      candidate("queued", { stats: { inFlight: 1 }, queueDepth: 4 }),
      candidate("idle", { stats: { inFlight: 1 } }),
    ];
    leastBusy.order(list, 0, 3, routeRequest());
    expect(ids(list)).toEqual(["idle", "busy", "queued"]);
  });

  it("breaks ties at random", () => {
    const tie = () => [candidate("a"), candidate("b")];
    const one = tie();
    leastBusy.order(one, 0, 2, routeRequest({ random: sequence(0.99) }));
    const other = tie();
    leastBusy.order(other, 0, 2, routeRequest({ random: sequence(0) }));
    expect(ids(one)).toEqual(["a", "b"]);
    expect(ids(other)).toEqual(["b", "a"]);
  });

  it("scores by how much busier a deployment is than the least busy one", () => {
    const list = [candidate("a", { stats: { inFlight: 1 } }), candidate("b", { stats: { inFlight: 3 } })];
    leastBusy.order(list, 0, 2, routeRequest());
    expect(leastBusy.score(list, 0, 2, 0, routeRequest())).toBe(1);
    expect(leastBusy.score(list, 0, 2, 1, routeRequest())).toBeCloseTo(2 / 4);
  });
});
