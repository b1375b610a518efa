import { describe, expect, it } from "vitest";
import { foldText } from "./fold-text.ts";

describe("foldText", () => {
  it("lower-cases, drops accents and turns punctuation and whitespace runs into single spaces", () => {
    expect(foldText("  Crème  BRÛLÉE, please!!  ")).toBe("creme brulee please");
  });

  it("spells out contractions that have one reading", () => {
    expect(foldText("What's it? I can't, you cannot, we won't, they don't")).toBe(
      "what is it i can not you can not we will not they do not",
    );
    expect(foldText("You're sure I'm right, we'll see, they've gone, let's go")).toBe(
      "you are sure i am right we will see they have gone let us go",
    );
  });

  it("reads curly apostrophes as straight ones", () => {
    expect(foldText("What\u2019s the time? Don\u2019t know")).toBe("what is the time do not know");
  });

  it("drops a possessive 's rather than reading it as 'is'", () => {
    expect(foldText("Hamlet's plot, France's capital")).toBe("hamlet plot france capital");
  });

  it("keeps digits and letters of other scripts", () => {
    expect(foldText("Convert 100€ to ¥ — Привет, 世界")).toBe("convert 100 to привет 世界");
  });

  it("folds a text with no letter or digit to nothing", () => {
    expect(foldText(" ?!… ")).toBe("");
  });
});
