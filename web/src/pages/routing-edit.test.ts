import { describe, expect, it } from "vitest";
import type { RoutingConfigJson } from "../../../sdk/routing-config.ts";
import {
  deploymentId,
  fallbackChoices,
  isChanged,
  moveFallback,
  weightShares,
  withContextWindow,
  withDefaultStrategy,
  withFallbacks,
  withModelStrategy,
  withPriority,
  withTags,
  withWeight,
} from "./routing-edit.ts";

function config(): RoutingConfigJson {
  return {
    strategy: "weighted",
    models: [
      {
        name: "chat",
        strategy: "latency",
        deployments: [
          { provider: "a", model: "m1", weight: 1, priority: 0, tags: [] },
          { id: "b-main", provider: "b", model: "m2", weight: 3, priority: 0, tags: ["eu"] },
          { provider: "c", model: "m3", weight: 5, priority: 1, tags: [], context_window: 8192 },
        ],
        fallbacks: ["backup"],
      },
      { name: "backup", deployments: [{ provider: "a", model: "m4" }], fallbacks: [] },
      { name: "spare", deployments: [{ provider: "b", model: "m5" }] },
    ],
  };
}

describe("routing config edits", () => {
  it("change one deployment's weight and leave the input and the other deployments alone", () => {
    const before = config();
    const after = withWeight(before, "chat", 1, 7);
    expect(after.models?.[0]?.deployments[1]?.weight).toBe(7);
    expect(after.models?.[0]?.deployments[0]).toEqual(before.models?.[0]?.deployments[0]);
    expect(before.models?.[0]?.deployments[1]?.weight).toBe(3);
    expect(isChanged(before, after)).toBe(true);
    expect(isChanged(before, config())).toBe(false);
  });

  it("clamp a weight into the slider's range, positive as the schema wants, rounded to a tenth", () => {
    expect(withWeight(config(), "chat", 0, 0).models?.[0]?.deployments[0]?.weight).toBe(0.1);
    expect(withWeight(config(), "chat", 0, 99).models?.[0]?.deployments[0]?.weight).toBe(10);
    expect(withWeight(config(), "chat", 0, 2.345).models?.[0]?.deployments[0]?.weight).toBe(2.3);
  });

  it("set a model's strategy, or drop it so the section's default applies", () => {
    expect(withModelStrategy(config(), "chat", "cost").models?.[0]?.strategy).toBe("cost");
    const cleared = withModelStrategy(config(), "chat", undefined).models?.[0];
    expect(cleared).not.toHaveProperty("strategy");
    expect(withDefaultStrategy(config(), "ttft").strategy).toBe("ttft");
  });

  it("set priority, context window and tags, and clear the context window back to the catalogue's", () => {
    expect(withPriority(config(), "chat", 0, 2.7).models?.[0]?.deployments[0]?.priority).toBe(2);
    expect(withPriority(config(), "chat", 0, -1).models?.[0]?.deployments[0]?.priority).toBe(0);
    expect(withContextWindow(config(), "chat", 0, 4096).models?.[0]?.deployments[0]?.context_window).toBe(
      4096,
    );
    expect(withContextWindow(config(), "chat", 2, undefined).models?.[0]?.deployments[2]).not.toHaveProperty(
      "context_window",
    );
    expect(
      withTags(config(), "chat", 0, [" local ", "", "eu", "local"]).models?.[0]?.deployments[0]?.tags,
    ).toEqual(["local", "eu"]);
  });

  it("edit the fallback chain: no blanks, no repeats, never the model itself, and reorder it", () => {
    const chain = withFallbacks(config(), "chat", ["backup", "chat", "spare", "backup", " "]);
    expect(chain.models?.[0]?.fallbacks).toEqual(["backup", "spare"]);
    expect(moveFallback(chain, "chat", 1, -1).models?.[0]?.fallbacks).toEqual(["spare", "backup"]);
    // Out of range: unchanged.
    expect(moveFallback(chain, "chat", 0, -1).models?.[0]?.fallbacks).toEqual(["backup", "spare"]);
    expect(fallbackChoices(config(), "chat")).toEqual(["spare"]);
    expect(fallbackChoices(config(), "spare")).toEqual(["chat", "backup"]);
  });

  it("give each deployment its share of its own tier's weight, as the weighted strategy scores it", () => {
    const shares = weightShares(config().models?.[0] ?? { name: "", deployments: [] });
    expect(shares[0]).toBeCloseTo(0.25);
    expect(shares[1]).toBeCloseTo(0.75);
    expect(shares[2]).toBe(1);
    // Left out, a weight is 1.
    expect(weightShares({ name: "x", deployments: [{ provider: "a", model: "b" }] })).toEqual([1]);
  });

  it("name a deployment by its id, else provider:model", () => {
    expect(deploymentId({ provider: "a", model: "m1" })).toBe("a:m1");
    expect(deploymentId({ id: "b-main", provider: "b", model: "m2" })).toBe("b-main");
  });

  it("leave an unknown model's config as it was", () => {
    expect(isChanged(config(), withWeight(config(), "nope", 0, 5))).toBe(false);
  });
});
