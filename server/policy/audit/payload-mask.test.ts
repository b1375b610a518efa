import { describe, expect, it } from "vitest";
import { maskPayload } from "./payload-mask.ts";

describe("maskPayload", () => {
  it.each([
    ["mail me at jane.doe+x@example.co.uk", "jane.doe+x@example.co.uk", "[REDACTED:EMAIL_1]"],
    ["card 4111 1111 1111 1111 ok", "4111 1111 1111 1111", "[REDACTED:PAYMENT_CARD_1]"],
    ["key AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE", "[REDACTED:AWS_ACCESS_KEY_1]"],
    [`tok ghp_${"a1".repeat(18)}`, `ghp_${"a1".repeat(18)}`, "[REDACTED:GITHUB_TOKEN_1]"],
    ['api_key = "hunter22hunter"', "hunter22hunter", "[REDACTED:SECRET_ASSIGNMENT_1]"],
    [
      "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
      "[REDACTED:JWT_1]",
    ],
  ])("masks %s with the guards' own detectors", (input, secret, placeholder) => {
    const masked = maskPayload(input);
    expect(masked).not.toContain(secret);
    expect(masked).toContain(placeholder);
  });

  it("does not mask what the guards do not: a card number failing Luhn, short numbers, versions", () => {
    for (const text of ["card 4111 1111 1111 1112", "order 12345 at 10:30, version 1.2.3"])
      expect(maskPayload(text)).toBe(text);
  });

  it("masks a JSON payload string by string, keeping it valid JSON, one placeholder per value", () => {
    const json = JSON.stringify({ text: 'to a@b.io and "a@b.io"\n', again: "a@b.io", n: 42 });
    expect(JSON.parse(maskPayload(json))).toEqual({
      text: 'to [REDACTED:EMAIL_1] and "[REDACTED:EMAIL_1]"\n',
      again: "[REDACTED:EMAIL_1]",
      n: 42,
    });
  });

  it("masks object keys too, and keeps a `__proto__` key (a stored body is what was sent)", () => {
    // Keys are data where a caller makes them so: a map keyed by e-mail, a logit_bias refused for its key.
    const json =
      '{"owners":{"jane@example.com":1},"logit_bias":{"AKIAIOSFODNN7EXAMPLE":1},"__proto__":{"x":1}}';
    const masked = maskPayload(json);
    expect(masked).not.toContain("jane@example.com");
    expect(masked).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(masked).toBe(
      '{"owners":{"[REDACTED:EMAIL_1]":1},"logit_bias":{"[REDACTED:AWS_ACCESS_KEY_1]":1},"__proto__":{"x":1}}',
    );
  });
});
