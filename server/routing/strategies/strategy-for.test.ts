import { describe, expect, it } from "vitest";
import { STRATEGIES } from "../../config/routing-schema.ts";
import { strategyFor } from "./strategy-for.ts";

describe("strategyFor", () => {
  it("knows every strategy the config accepts, by its own name", () => {
    for (const name of STRATEGIES) expect(strategyFor(name)?.name).toBe(name);
  });

  it("knows no other name", () => {
    expect(strategyFor("fastest")).toBeUndefined();
    expect(strategyFor("toString")).toBeUndefined();
  });
});
