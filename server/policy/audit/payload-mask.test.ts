import { describe, expect, it } from "vitest";
import { maskPayload } from "./payload-mask.ts";

describe("maskPayload", () => {
  it.each([
    ["mail me at jane.doe+x@example.co.uk", "mail me at [REDACTED:EMAIL]"],
    ["card 4111 1111 1111 1111 ok", "card [REDACTED:CARD] ok"],
    ["card 4111-1111-1111-1111", "card [REDACTED:CARD]"],
    ["key AKIAIOSFODNN7EXAMPLE here", "key [REDACTED:AWS_KEY] here"],
    [`tok ghp_${"a".repeat(36)}`, "tok [REDACTED:GITHUB_TOKEN]"],
    [`sk-proj-${"b".repeat(30)}`, "[REDACTED:API_KEY]"],
    ["Authorization: Bearer abcdefghijklmnop1234", "Authorization: Bearer [REDACTED:TOKEN]"],
    ["password=hunter22 and more", "password=[REDACTED:SECRET] and more"],
    ["jwt eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2Q", "jwt [REDACTED:JWT]"],
  ])("masks %s", (input, output) => {
    expect(maskPayload(input)).toBe(output);
  });

  it("leaves ordinary text, short numbers and the JSON around a match intact", () => {
    expect(maskPayload("order 12345 at 10:30, version 1.2.3")).toBe("order 12345 at 10:30, version 1.2.3");
    const json = JSON.stringify({ text: "to a@b.io", n: 42 });
    expect(JSON.parse(maskPayload(json))).toEqual({ text: "to [REDACTED:EMAIL]", n: 42 });
  });
});
