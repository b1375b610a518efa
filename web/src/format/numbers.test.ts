import { describe, expect, it } from "vitest";
import { formatBytes, formatCount, formatMs, formatPercent, formatRate, formatUsd } from "./numbers.ts";

describe("number formatting", () => {
  it("writes counts with separators, bigints included", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatCount(12n)).toBe("12");
    expect(formatCount(undefined)).toBe("–");
    expect(formatCount(Number.NaN)).toBe("–");
  });

  it("writes durations in ms or s", () => {
    expect(formatMs(0.42)).toBe("0.4 ms");
    expect(formatMs(12.4)).toBe("12 ms");
    expect(formatMs(1350)).toBe("1.35 s");
    expect(formatMs(-1)).toBe("–");
  });

  it("keeps small dollar amounts readable", () => {
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(0.0042)).toBe("$0.0042");
    expect(formatUsd(1.254)).toBe("$1.25");
    expect(formatUsd(1204.2)).toBe("$1,204");
  });

  it("writes ratios, rates and sizes", () => {
    expect(formatPercent(0.125)).toBe("13%");
    expect(formatPercent(0.05)).toBe("5.0%");
    expect(formatPercent(Number.NaN)).toBe("–");
    expect(formatRate(0.25)).toBe("0.3/s");
    expect(formatRate(14.2)).toBe("14/s");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(4200n)).toBe("4.1 KB");
  });
});
