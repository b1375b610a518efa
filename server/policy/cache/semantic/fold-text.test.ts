import { describe, expect, it } from "vitest";
import { foldAny, foldText } from "./fold-text.ts";

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

  it("folds ASCII text with no apostrophe on its short path exactly as every rule would", () => {
    // Pieces that the rules treat specially at ASCII: case, digits, "cannot" at and off word boundaries, `_`.
    const pieces = [
      "Cannot",
      "cannot_",
      "xcannot",
      "CANNOT.",
      "Is",
      "it",
      "10",
      "_",
      " ",
      "  ",
      "-",
      "?",
      "\t",
      "\n",
      "a1",
      "Don",
      "t",
      "...",
      "~",
    ];
    let state = 5;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state;
    };
    for (let i = 0; i < 2_000; i++) {
      const text = Array.from({ length: 1 + (next() % 12) }, () => pieces[next() % pieces.length]).join("");
      expect(foldText(text)).toBe(foldAny(text));
    }
  });
});
