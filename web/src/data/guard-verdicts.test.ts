import { describe, expect, it } from "vitest";
import { parseGuardVerdicts, prettyPayload } from "./guard-verdicts.ts";

describe("audit record payloads", () => {
  it("reads guard verdicts, skipping malformed entries", () => {
    expect(parseGuardVerdicts('[{"rule":"secrets","action":"block"},{"rule":1},null,"x"]')).toEqual([
      { rule: "secrets", action: "block" },
    ]);
    expect(parseGuardVerdicts("")).toEqual([]);
    expect(parseGuardVerdicts("{not json")).toEqual([]);
    expect(parseGuardVerdicts('{"rule":"a","action":"b"}')).toEqual([]);
  });

  it("indents JSON payloads and leaves others as stored", () => {
    expect(prettyPayload('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyPayload("raw bytes")).toBe("raw bytes");
  });
});
