import { describe, expect, it } from "vitest";
import { Redactor } from "./redactor.ts";

describe("Redactor", () => {
  it("gives the same value the same placeholder, and each new value the next number", () => {
    const r = new Redactor();
    const text = "a@x.io b@x.io a@x.io";
    const out = r.apply(text, [
      { rule: "pii", type: "email", start: 0, end: 6 },
      { rule: "pii", type: "email", start: 7, end: 13 },
      { rule: "pii", type: "email", start: 14, end: 20 },
    ]);
    expect(out).toBe("[REDACTED:EMAIL_1] [REDACTED:EMAIL_2] [REDACTED:EMAIL_1]");
    // Stable across the strings of one request.
    expect(r.placeholder("email", "b@x.io")).toBe("[REDACTED:EMAIL_2]");
  });

  it("orders matches and drops one inside another", () => {
    const r = new Redactor();
    const out = r.apply("key=AKIA1234 end", [
      { rule: "custom", type: "akia", start: 4, end: 8 },
      { rule: "secrets", type: "secret_assignment", start: 4, end: 12 },
    ]);
    expect(out).toBe("key=[REDACTED:SECRET_ASSIGNMENT_1] end");
  });
});

describe("Redactor.restore", () => {
  it("puts back the values it masked, and leaves look-alikes and unknown placeholders", () => {
    const redactor = new Redactor();
    const one = redactor.placeholder("email", "jane@example.com");
    const two = redactor.placeholder("email", "bob@example.org");
    expect(redactor.restore(`to ${two} and ${one}, not [REDACTED:EMAIL_9] or [REDACTED:email_1]`)).toBe(
      "to bob@example.org and jane@example.com, not [REDACTED:EMAIL_9] or [REDACTED:email_1]",
    );
    expect(redactor.restore("nothing here")).toBe("nothing here");
  });
});
