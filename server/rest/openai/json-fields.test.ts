import { describe, expect, it } from "vitest";
import { optNumber } from "./json-fields.ts";

describe("optNumber", () => {
  it("passes a finite number and leaves out null and undefined", () => {
    expect(optNumber(0.5, "temperature")).toBe(0.5);
    expect(optNumber(null, "temperature")).toBeUndefined();
    expect(optNumber(undefined, "temperature")).toBeUndefined();
  });

  it("names what was sent: another type, or an infinity that a literal like 1e999 parses to", () => {
    expect(() => optNumber("1", "temperature")).toThrow("temperature must be a number, got a string");
    expect(() => optNumber(JSON.parse("1e999"), "temperature")).toThrow(
      "temperature must be a finite number, got Infinity",
    );
  });
});
