import { describe, expect, it } from "vitest";
import { cost, estimateCostUsd } from "./cost.ts";
import { candidate, chat, ids, routeRequest } from "./test-candidates.ts";

describe("cost", () => {
  it("estimates prompt tokens at the input price and max_tokens at the output price", () => {
    const request = routeRequest({ chat: chat("x".repeat(400), { maxTokens: 1_000 }) });
    const d = candidate("d", { pricing: { input: 2, output: 10 } });
    // 3 priming + 4 framing + 100 text tokens = 107 prompt tokens.
    expect(estimateCostUsd(d, request)).toBeCloseTo((107 * 2 + 1_000 * 10) / 1e6);
  });

  it("puts the cheapest first, a local unpriced one at no cost, an unpriced remote one last", () => {
    const list = [
      candidate("unpriced", {}),
      candidate("dear", { pricing: { input: 5, output: 15 } }),
      candidate("local", { local: true }),
      candidate("cheap", { pricing: { input: 0.1, output: 0.4 } }),
    ];
    cost.order(list, 0, 4, routeRequest());
    expect(ids(list)).toEqual(["local", "cheap", "dear", "unpriced"]);
    expect(cost.score(list, 0, 4, 0, routeRequest())).toBe(1);
    expect(cost.score(list, 0, 4, 3, routeRequest())).toBe(0);
  });

  it("weighs the output price by the request's max_tokens", () => {
    const make = () => [
      candidate("cheap-in", { pricing: { input: 0.1, output: 20 } }),
      candidate("cheap-out", { pricing: { input: 5, output: 1 } }),
    ];
    const longPrompt = make();
    cost.order(longPrompt, 0, 2, routeRequest({ chat: chat("x".repeat(40_000), { maxTokens: 10 }) }));
    expect(longPrompt[0]?.id).toBe("cheap-in");
    const longAnswer = make();
    cost.order(longAnswer, 0, 2, routeRequest({ chat: chat("hi", { maxTokens: 4_000 }) }));
    expect(longAnswer[0]?.id).toBe("cheap-out");
  });

  it("scores relative to the cheapest", () => {
    const list = [
      candidate("a", { pricing: { input: 1, output: 1 } }),
      candidate("b", { pricing: { input: 4, output: 4 } }),
    ];
    expect(cost.score(list, 0, 2, 1, routeRequest())).toBeCloseTo(0.25);
  });
});
