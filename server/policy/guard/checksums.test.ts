import { describe, expect, it } from "vitest";
import { ibanValid, luhnValid, ssnValid } from "./checksums.ts";

describe("checksums", () => {
  it("Luhn accepts test cards and refuses one digit off", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("5555 5555 5555 4444")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
  });

  it("mod-97 accepts real IBANs and refuses a changed digit", () => {
    expect(ibanValid("DE89370400440532013000")).toBe(true);
    expect(ibanValid("GB82 WEST 1234 5698 7654 32")).toBe(true);
    expect(ibanValid("GB82 WEST 1234 5698 7654 33")).toBe(false);
    expect(ibanValid("DE89")).toBe(false);
  });

  it("SSN refuses the ranges never issued", () => {
    expect(ssnValid("123-45-6789")).toBe(true);
    expect(ssnValid("000-45-6789")).toBe(false);
    expect(ssnValid("666-45-6789")).toBe(false);
    expect(ssnValid("900-45-6789")).toBe(false);
    expect(ssnValid("123-00-6789")).toBe(false);
    expect(ssnValid("123-45-0000")).toBe(false);
  });
});
