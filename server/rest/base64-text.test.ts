import { describe, expect, it } from "vitest";
import { isBase64 } from "./base64-text.ts";

describe("isBase64", () => {
  it("takes padded and unpadded standard base64 that decodes whole", () => {
    for (const text of ["aGk=", "aGk", "aGVsbG8=", "aGVsbG8", "aGVsbA==", "aGVsbA", "AAAA"]) {
      expect(isBase64(text), text).toBe(true);
    }
  });

  it.each(["", "A", "AAAAA", "AA=", "A===", "=", "aGk=x", "@@@", "aG k=", "aGk\n"])("refuses %j", (text) => {
    expect(isBase64(text)).toBe(false);
  });

  it("takes - and _ only when url-safe, and unpadded text only when padding is not required", () => {
    expect(isBase64("a-_b")).toBe(false);
    expect(isBase64("a-_b", { urlSafe: true })).toBe(true);
    expect(isBase64("aGk", { padded: true })).toBe(false);
    expect(isBase64("aGk=", { padded: true })).toBe(true);
  });
});
