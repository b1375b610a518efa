import { describe, expect, it } from "vitest";
import { bareAnswer, formatValidation } from "./format-validation.ts";

describe("format validation, exact", () => {
  const exact = { kind: "exact", answer: "Caro" } as const;

  it.each([
    "Caro",
    "caro",
    "Caro.",
    "**Caro**",
    '"Caro"',
    "Answer: Caro",
    "The answer is Caro!",
    "```\nCaro\n```",
  ])("accepts %j", (answer) => {
    expect(formatValidation(answer, exact)).toBe(1);
  });

  it.each(["Carol", "Caro or Ana", "I think it is Caro because Ben has the fish", "", "   "])(
    "refuses %j",
    (answer) => {
      expect(formatValidation(answer, exact)).toBe(0);
    },
  );

  it("accepts an alias and a full-width form", () => {
    const dollars = { kind: "exact", answer: "26", aliases: ["$26"] } as const;
    expect(formatValidation("$26", dollars)).toBe(1);
    expect(formatValidation("２６", dollars)).toBe(1);
    expect(formatValidation("26.5", dollars)).toBe(0);
  });

  it("strips what surrounds a bare answer", () => {
    expect(bareAnswer("  The final answer: «Straße».  ")).toBe("straße");
  });
});

describe("format validation, JSON", () => {
  const json = { kind: "json", keys: { name: "string", moons: "number", has_rings: "boolean" } } as const;

  it("scores 1 for an object with every key of the right type, fenced or not", () => {
    expect(formatValidation('{"name":"Mars","moons":2,"has_rings":false}', json)).toBe(1);
    expect(formatValidation('```json\n{"name":"Mars","moons":2,"has_rings":false}\n```', json)).toBe(1);
  });

  it("scores the share of keys of the right type", () => {
    expect(formatValidation('{"name":"Mars","moons":"two","has_rings":false}', json)).toBeCloseTo(
      0.3 + 0.7 * (2 / 3),
    );
    expect(formatValidation('{"name":"Mars"}', json)).toBeCloseTo(0.3 + 0.7 / 3);
    expect(formatValidation('{"name":null,"moons":2,"has_rings":false}', json)).toBeCloseTo(
      0.3 + 0.7 * (2 / 3),
    );
  });

  it.each([
    ["prose around the JSON", 'Here it is: {"name":"Mars","moons":2,"has_rings":false}'],
    ["an array", '[{"name":"Mars"}]'],
    ["a string", '"Mars"'],
    ["broken JSON", '{"name":"Mars",'],
    ["an empty answer", ""],
  ])("scores 0 for %s", (_why, answer) => {
    expect(formatValidation(answer, json)).toBe(0);
  });

  it("scores 0 for a huge answer cut short, rather than parsing it whole", () => {
    const huge = `{"name":"${"M".repeat(200_000)}","moons":2,"has_rings":false}`;
    expect(formatValidation(huge, json)).toBe(0);
  });

  it("keeps unicode values", () => {
    expect(formatValidation('{"name":"火星","moons":2,"has_rings":false}', json)).toBe(1);
  });
});

describe("format validation, numbered list", () => {
  const primes = {
    kind: "numbered-list",
    items: 5,
    allowed: ["2", "3", "5", "7", "11", "13", "17", "19", "23", "29"],
  } as const;

  it("scores 1 for N distinct allowed items numbered 1..N", () => {
    expect(formatValidation("1. 2\n2. 3\n3. 5\n4. 7\n5. 11", primes)).toBe(1);
    expect(formatValidation("1) 29\n2) 23\n3) 19\n4) 17\n5) 13", primes)).toBe(1);
  });

  it("loses the numbering half for the wrong count or order", () => {
    expect(formatValidation("1. 2\n2. 3\n3. 5\n4. 7", primes)).toBeCloseTo(0.4);
    expect(formatValidation("1. 2\n3. 3\n2. 5\n4. 7\n5. 11", primes)).toBeCloseTo(0.5);
    expect(formatValidation("Here are five:\n1. 2\n2. 3\n3. 5\n4. 7\n5. 11", primes)).toBeCloseTo(0.5);
  });

  it("counts repeated or wrong items once or not at all", () => {
    expect(formatValidation("1. 2\n2. 2\n3. 4\n4. 9\n5. 31", primes)).toBeCloseTo(0.5 + 0.5 / 5);
  });

  it("scores the numbering alone when items are free", () => {
    expect(formatValidation("1. a\n2. b", { kind: "numbered-list", items: 2 })).toBe(1);
    expect(formatValidation("- a\n- b", { kind: "numbered-list", items: 2 })).toBe(0);
  });

  it("scores 0 for an empty answer", () => {
    expect(formatValidation("", primes)).toBe(0);
  });
});
