import { describe, expect, it } from "vitest";
import { parseConfig } from "./load-config.ts";

const providers = [{ name: "openai", base_url: "http://127.0.0.1:9/v1" }];

describe("the metrics section", () => {
  it("keeps key names out of labels by default", () => {
    expect(parseConfig({ providers }).metrics).toEqual({ per_key: false });
  });

  it("turns per-key labels on", () => {
    expect(parseConfig({ providers, metrics: { per_key: true } }).metrics.per_key).toBe(true);
  });

  it("refuses a non-boolean and an unknown field", () => {
    const bad = (metrics: unknown) => () => parseConfig({ providers, metrics });
    expect(bad({ per_key: "yes" })).toThrow(/metrics\.per_key/);
    expect(bad({ per_model: true })).toThrow(/per_model/);
  });
});
