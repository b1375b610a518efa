import { describe, expect, it } from "vitest";
import { bulletLines, summaryComposite } from "./summary-composite.ts";

const settings = {
  minWords: 10,
  maxWords: 30,
  keyPoints: [
    ["railway", "rail line"],
    ["cycle path", "bike path"],
    ["tourism", "visitors"],
  ],
};

const GOOD = "The town turned its old railway into a cycle path, and visitors now fill the cafés along it.";

describe("summary composite", () => {
  it("scores 1 within the word bounds, covering every point", () => {
    expect(summaryComposite(GOOD, settings)).toBe(1);
  });

  it("scores the share of points covered", () => {
    const partial = "The town turned its old railway into a long and pleasant cycle path for everyone.";
    expect(summaryComposite(partial, settings)).toBeCloseTo(0.3 + 0.7 * (2 / 3));
  });

  it("counts a near miss as a miss", () => {
    const near = "The town turned its old railways into cycle paths for the tourists who come by.";
    expect(summaryComposite(near, settings)).toBeCloseTo(0.3);
  });

  it("falls off below the lower bound", () => {
    expect(summaryComposite("Railway, cycle path, visitors.", settings)).toBeCloseTo(0.3 * (4 / 10) + 0.7);
  });

  it("falls off above the upper bound, to nothing at twice it", () => {
    const long = `${GOOD} ${"word ".repeat(42)}`;
    expect(summaryComposite(long, settings)).toBeCloseTo(0.7);
  });

  it("fails the length of a huge answer that copies everything", () => {
    const huge = `${GOOD} ${"more text ".repeat(100_000)}`;
    expect(summaryComposite(huge, settings)).toBeCloseTo(0.7);
  });

  it("scores 0 for an empty answer", () => {
    expect(summaryComposite("", settings)).toBe(0);
    expect(summaryComposite(" \n ", settings)).toBe(0);
  });

  it("counts accented words as words", () => {
    const french = { minWords: 3, maxWords: 5, keyPoints: [["café"]] };
    expect(summaryComposite("Le café près de la gare", french)).toBeCloseTo(0.3 * (2 - 6 / 5) + 0.7);
  });

  it("with bullets, needs that many bullet lines", () => {
    const bullets = { ...settings, bullets: { min: 3, max: 3 } };
    const list = "- the railway closed\n- a cycle path opened\n* visitors came back";
    expect(summaryComposite(list, bullets)).toBe(1);
    expect(summaryComposite("the railway closed, a cycle path opened, visitors came", bullets)).toBeCloseTo(
      0.7,
    );
    expect(summaryComposite(`${list}\n- one more point`, bullets)).toBeCloseTo(0.7);
  });

  it("finds bullets of each kind, not numbered lines or bold text", () => {
    expect(bulletLines("- a\n* b\n+ c\n• d\n1. e\n**f**")).toBe(4);
  });
});
