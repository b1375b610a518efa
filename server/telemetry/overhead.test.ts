import { describe, expect, it } from "vitest";
import { overheadMs } from "./overhead.ts";

describe("overheadMs", () => {
  it("takes a unary call's upstream time off its whole latency", () => {
    expect(overheadMs(false, 12, 12, 10.5)).toBe(1.5);
  });

  it("measures a stream to its first token", () => {
    expect(overheadMs(true, 900, 40, 38)).toBe(2);
  });

  it("counts a stream that failed before any token by its whole time", () => {
    expect(overheadMs(true, 30, 0, 25)).toBe(5);
  });

  it("is all overhead when no upstream was called, and never negative", () => {
    expect(overheadMs(false, 0.8, 0, 0)).toBe(0.8);
    expect(overheadMs(false, 10, 10, 10.01)).toBe(0);
  });
});
