import { describe, expect, it } from "vitest";
import { candidate, ids, routeRequest, sequence } from "./test-candidates.ts";
import { weighted } from "./weighted.ts";

/** A small deterministic generator, so the distribution test is repeatable. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

describe("weighted", () => {
  it("draws the first by weight", () => {
    const make = () => [candidate("a", { weight: 1 }), candidate("b", { weight: 3 })];
    const low = make();
    weighted.order(low, 0, 2, routeRequest({ random: sequence(0.2) })); // 0.8 of 4 falls in a's share
    expect(ids(low)).toEqual(["a", "b"]);
    const high = make();
    weighted.order(high, 0, 2, routeRequest({ random: sequence(0.3) })); // 1.2 of 4 falls in b's share
    expect(ids(high)).toEqual(["b", "a"]);
  });

  it("draws the rest without replacement", () => {
    const list = [
      candidate("a", { weight: 1 }),
      candidate("b", { weight: 1 }),
      candidate("c", { weight: 2 }),
    ];
    // 0.9 × 4 = 3.6 → c; then 0.6 × 2 = 1.2 of {b, a} → the second of what is left.
    weighted.order(list, 0, 3, routeRequest({ random: sequence(0.9, 0.6) }));
    expect(ids(list)).toEqual(["c", "a", "b"]);
    expect(new Set(ids(list)).size).toBe(3);
  });

  it("sends traffic in proportion to weight", () => {
    const random = lcg(42);
    let first = 0;
    const runs = 20_000;
    for (let i = 0; i < runs; i++) {
      const list = [candidate("a", { weight: 1 }), candidate("b", { weight: 4 })];
      weighted.order(list, 0, 2, routeRequest({ random }));
      if (list[0]?.id === "b") first++;
    }
    expect(first / runs).toBeGreaterThan(0.78);
    expect(first / runs).toBeLessThan(0.82);
  });

  it("orders only its range", () => {
    const list = [candidate("x"), candidate("a"), candidate("b", { weight: 9 }), candidate("y")];
    weighted.order(list, 1, 3, routeRequest({ random: sequence(0.5) }));
    expect(ids(list)).toEqual(["x", "b", "a", "y"]);
  });

  it("scores a deployment by its share of the tier's weight", () => {
    const list = [candidate("a", { weight: 1 }), candidate("b", { weight: 3 })];
    expect(weighted.score(list, 0, 2, 1, routeRequest())).toBeCloseTo(0.75);
    expect(weighted.score(list, 0, 1, 0, routeRequest())).toBe(1);
  });
});
