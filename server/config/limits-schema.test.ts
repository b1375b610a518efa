import { describe, expect, it } from "vitest";
import { hasLimits, limitsSchema, windowName } from "./limits-schema.ts";

describe("the limits config", () => {
  it("reads windows as durations or milliseconds", () => {
    const limits = limitsSchema.parse({
      global: [{ requests: 1000, window: "15m" }],
      per_key: [{ requests: 60, tokens: 100_000, window: "1m" }, { concurrent: 10 }],
      keys: { batch: [{ requests: 10, window: "1d" }] },
      teams: { research: [{ tokens: 1, window: 2500 }] },
      models: {
        "gpt-4o": [
          { requests: 5, window: "1s" },
          { requests: 50, window: "1h" },
        ],
      },
    });
    expect(limits.global[0]?.window).toBe(900_000);
    expect(limits.per_key[0]?.window).toBe(60_000);
    expect(limits.per_key[1]).toEqual({ concurrent: 10 });
    expect(limits.keys.batch?.[0]?.window).toBe(86_400_000);
    expect(limits.teams.research?.[0]?.window).toBe(2500);
    expect(limits.models["gpt-4o"]?.map((r) => r.window)).toEqual([1000, 3_600_000]);
    expect(limits.default_max_tokens).toBe(512);
    expect(limits.fail_open).toBe(false);
    expect(hasLimits(limits)).toBe(true);
  });

  it("has no limits by default", () => {
    expect(hasLimits(limitsSchema.parse({}))).toBe(false);
  });

  it("refuses rules that limit nothing, lack a window, or count one thing twice over one window", () => {
    const issues = (value: unknown) =>
      limitsSchema.safeParse(value).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues({ per_key: [{ window: "1m" }] })).toEqual([
      "per_key.0: a rule sets requests, tokens or concurrent",
    ]);
    expect(issues({ per_key: [{ requests: 5 }] })).toEqual([
      "per_key.0.window: requests and tokens need a window",
    ]);
    expect(issues({ global: [{ requests: 5, window: "5 minutes" }] })?.[0]).toContain("global.0.window");
    expect(issues({ global: [{ requests: 5, window: 0 }] })?.[0]).toContain("global.0.window");
    expect(
      issues({
        global: [
          { requests: 5, window: "60s" },
          { requests: 7, tokens: 9, window: "1m" },
        ],
      }),
    ).toEqual(["global.1.requests: another rule already limits requests over this window"]);
    expect(issues({ global: [{ concurrent: 5 }, { concurrent: 7 }] })).toEqual([
      "global.1.concurrent: another rule already limits concurrent",
    ]);
    expect(issues({ per_key: [{ requests: 1.5, window: "1m" }] })?.[0]).toContain("per_key.0.requests");
  });

  it("names windows in their largest whole unit", () => {
    expect(windowName(900_000)).toBe("15m");
    expect(windowName(86_400_000)).toBe("1d");
    expect(windowName(90_000)).toBe("90s");
    expect(windowName(1500)).toBe("1500ms");
  });
});
