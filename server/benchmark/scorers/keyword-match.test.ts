import { describe, expect, it } from "vitest";
import { chosenLetters, keywordMatch } from "./keyword-match.ts";

const choice = { choice: { answer: "C", letters: "ABCD" } };

describe("keyword match, multiple choice", () => {
  it.each([
    "C",
    "(C)",
    "C.",
    "The answer is C.",
    "Answer: (C)",
    "**C**",
    "C) mitochondrion\n\nIt makes most of the ATP.",
    "Ｃ",
  ])("scores 1 for the right letter picked once: %j", (answer) => {
    expect(keywordMatch(answer, choice)).toBe(1);
  });

  it.each([
    ["a wrong letter", "B"],
    ["a hedge between two letters", "The answer is A or (C)"],
    ["every option repeated", "A) ribosome\nB) Golgi\nC) mitochondrion\nD) lysosome"],
    ["a lowercase article, not a pick", "It is a mitochondrion"],
    ["no letter at all", "mitochondrion"],
    ["a letter outside the options", "E"],
    ["an empty answer", ""],
    ["only whitespace", "  \n\t"],
  ])("scores 0 for %s", (_why, answer) => {
    expect(keywordMatch(answer, choice)).toBe(0);
  });

  it("reads only the start of a huge answer, and still finds the pick there", () => {
    const answer = `Answer: C\n${"filler ".repeat(200_000)}`;
    expect(keywordMatch(answer, choice)).toBe(1);
  });

  it("finds the letters named by each form", () => {
    expect([...chosenLetters("Option B, or perhaps (D)", "ABCD")].sort()).toEqual(["B", "D"]);
  });
});

describe("keyword match, keywords", () => {
  const settings = { keywords: [["photosynthesis"], ["chlorophyll", "chloroplast"], ["sunlight", "light"]] };

  it("scores the share of points made, each by any of its alternatives", () => {
    expect(keywordMatch("Photosynthesis in the chloroplast uses light.", settings)).toBe(1);
    expect(keywordMatch("Photosynthesis uses sunlight.", settings)).toBeCloseTo(2 / 3);
  });

  it("counts whole words only: a near miss is a miss", () => {
    expect(keywordMatch("photosynthetic chlorophylls, lightly", settings)).toBe(0);
  });

  it("matches case- and form-insensitively, through markdown", () => {
    expect(keywordMatch("**PHOTOSYNTHESIS**, `chlorophyll`, LIGHT", settings)).toBe(1);
  });

  it("scores 0 when a forbidden term appears", () => {
    expect(keywordMatch("photosynthesis chlorophyll light", { ...settings, forbidden: ["light"] })).toBe(0);
  });

  it("matches unicode terms as words", () => {
    expect(keywordMatch("Die Straße ist naß", { keywords: [["straße"], ["naß"]] })).toBe(1);
    expect(keywordMatch("Die Straßenbahn", { keywords: [["straße"]] })).toBe(0);
  });

  it("averages a choice and keywords when both are set", () => {
    const both = { ...choice, keywords: [["ATP"]] };
    expect(keywordMatch("C, it makes ATP", both)).toBe(1);
    expect(keywordMatch("B, it makes ATP", both)).toBe(0.5);
  });

  it("scores 0 when the settings ask for nothing", () => {
    expect(keywordMatch("anything", {})).toBe(0);
  });
});
