import { describe, expect, it } from "vitest";
import { appendSample, EMPTY_HISTORY, toAligned } from "./series-history.ts";

describe("a chart's rolling history", () => {
  it("adds samples, and fills a series that appears later with gaps before it", () => {
    let h = appendSample(EMPTY_HISTORY, 10, new Map([["a", 1]]), 5);
    h = appendSample(
      h,
      11,
      new Map([
        ["a", 2],
        ["b", 7],
      ]),
      5,
    );
    expect(toAligned(h, ["a", "b"])).toEqual([
      [10, 11],
      [1, 2],
      [null, 7],
    ]);
  });

  it("keeps only the newest points", () => {
    let h = EMPTY_HISTORY;
    for (let t = 0; t < 6; t++) h = appendSample(h, t, new Map([["a", t * 10]]), 3);
    expect(toAligned(h, ["a"])).toEqual([
      [3, 4, 5],
      [30, 40, 50],
    ]);
  });

  it("gives a series with no samples as all gaps, and leaves the old history unchanged", () => {
    const first = appendSample(EMPTY_HISTORY, 1, new Map([["a", 1]]), 3);
    const second = appendSample(first, 2, new Map([["a", null]]), 3);
    expect(toAligned(second, ["x"])).toEqual([
      [1, 2],
      [null, null],
    ]);
    expect(first.times).toEqual([1]);
  });
});
