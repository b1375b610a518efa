import { describe, expect, it } from "vitest";
import { isPlainTarget } from "./request-target.ts";

describe("plain request-targets", () => {
  it("accepts origin-form paths, encoded slashes in ids, dots inside names, and anything in the query", () => {
    for (const target of [
      "/v1/chat/completions",
      "/v1/models/openrouter%2Fmeta-llama%2Fllama-3",
      "/v1/models/gpt-4.1-mini",
      "/v1beta/models/gemini-2.5-flash:generateContent?key=k",
      "/v1/usage?since=2026-01-01&next=//x/../y",
      "/.well-known",
      "/",
      "/ui/",
      "/ui/settings/",
    ])
      expect(isPlainTarget(target), target).toBe(true);
  });

  it("refuses absolute-form, empty segments, dot segments (also encoded) and backslashes", () => {
    for (const target of [
      "http://evil.example/v1/chat/completions",
      "*",
      "//v1/chat/completions",
      "/v1//chat/completions",
      "/v1/./chat/completions",
      "/x/../v1/chat/completions",
      "/x/%2e%2e/v1/chat/completions",
      "/x/.%2E/v1",
      "/v1/chat/completions/.",
      "/v1/chat/completions/..?x",
      "/v1/chat/completions/.;x",
      "/v1/chat/completions/",
      "/v1/responses/resp_1/?x=1",
      "/v1\\chat\\completions",
      "/v1%5cchat",
    ])
      expect(isPlainTarget(target), target).toBe(false);
  });
});
