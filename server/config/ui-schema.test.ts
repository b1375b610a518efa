import { describe, expect, it } from "vitest";
import { configSchema } from "./schema.ts";

describe("the ui config", () => {
  it("serves the dashboard at /ui by default", () => {
    expect(configSchema.parse({}).ui).toEqual({ enabled: true, path: "/ui", dir: undefined });
  });

  it("turns off with false and moves with a path", () => {
    expect(configSchema.parse({ ui: false }).ui.enabled).toBe(false);
    expect(configSchema.parse({ ui: { path: "/admin/dash" } }).ui).toEqual({
      enabled: true,
      path: "/admin/dash",
      dir: undefined,
    });
    expect(configSchema.parse({ ui: {} }).ui.path).toBe("/ui");
  });

  it("parses its own output again (the CLI re-reads a parsed config), and takes enabled: false", () => {
    const once = configSchema.parse({ ui: { path: "/console" } }).ui;
    expect(configSchema.parse({ ui: once }).ui).toEqual(once);
    expect(configSchema.parse({ ui: { enabled: false } }).ui.enabled).toBe(false);
  });

  it("refuses the API's paths, a trailing slash, dot segments, wrong types and unknown fields", () => {
    for (const ui of [
      { path: "/v1" },
      { path: "/v1/ui" },
      { path: "/llmgw.v1.ChatService" },
      { path: "/health" },
      { path: "/ui/" },
      { path: "/" },
      { path: "ui" },
      { path: "/a/../b" },
      { path: 3 },
      { paht: "/ui" },
      "yes",
      1,
    ])
      expect(configSchema.safeParse({ ui }).success, JSON.stringify(ui)).toBe(false);
  });
});
