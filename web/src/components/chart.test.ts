import { describe, expect, it } from "vitest";
import { formatTick, stackColumns } from "./chart.tsx";

describe("chart helpers", () => {
  it("stacks columns into running sums, the total first", () => {
    expect(
      stackColumns([
        [1, 2],
        [3, 0],
        [0, 5],
      ]),
    ).toEqual([
      [4, 7],
      [4, 2],
      [1, 2],
    ]);
    expect(stackColumns([])).toEqual([]);
  });

  it("writes short tick labels with their unit", () => {
    expect(formatTick(1500, "")).toBe("1.5k");
    expect(formatTick(2_000_000, "")).toBe("2M");
    expect(formatTick(12.34, "ms")).toBe("12.3 ms");
    expect(formatTick(0.00015, "$")).toBe("$0.00015");
    expect(formatTick(40, "%")).toBe("40%");
    expect(formatTick(0, "ms")).toBe("0 ms");
  });
});
