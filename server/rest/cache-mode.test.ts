import { describe, expect, it } from "vitest";
import { CacheMode } from "../../gen/llmgw/v1/chat_pb.js";
import { cacheModeFromHeader } from "./cache-mode.ts";

describe("the x-llmgw-cache header", () => {
  it("reads off, refresh, allow-sampling and on in any case, and absence as the configured default", () => {
    expect(cacheModeFromHeader(undefined)).toBe(CacheMode.UNSPECIFIED);
    expect(cacheModeFromHeader(" OFF ")).toBe(CacheMode.OFF);
    expect(cacheModeFromHeader("refresh")).toBe(CacheMode.REFRESH);
    expect(cacheModeFromHeader("Allow-Sampling")).toBe(CacheMode.ALLOW_SAMPLING);
    expect(cacheModeFromHeader("on")).toBe(CacheMode.UNSPECIFIED);
  });

  it("refuses anything else with invalid_request naming the header", () => {
    expect(() => cacheModeFromHeader("maybe")).toThrow(/x-llmgw-cache/);
  });
});
