import { describe, expect, it } from "vitest";
import { customDetector } from "./custom-patterns.ts";
import type { GuardMatch } from "./guard-match.ts";

describe("custom rules", () => {
  const detector = customDetector(
    [
      { name: "project_codename", words: ["Bluebird", "Project Nightjar"] },
      { name: "ticket", regex: "(JIRA|OPS)-(\\d{3,})" },
    ],
    false,
  );

  const scan = (text: string) => {
    const out: GuardMatch[] = [];
    detector.scan(text, out);
    return out.map((m) => [m.rule, text.slice(m.start, m.end)]);
  };

  it("finds words as whole words, any case, and regexes with their own groups", () => {
    expect(scan("about bluebird and project   nightjar, see OPS-1234")).toEqual([
      ["project_codename", "bluebird"],
      ["project_codename", "project   nightjar"],
      ["ticket", "OPS-1234"],
    ]);
  });

  it("does not find a word inside another", () => {
    expect(scan("bluebirds and OPS-12")).toEqual([]);
  });

  it("a regex that can match nothing does not loop", () => {
    const empty = customDetector([{ name: "stars", regex: "x*" }], true);
    const out: GuardMatch[] = [];
    empty.scan("abc", out);
    expect(out).toEqual([]);
  });
});
