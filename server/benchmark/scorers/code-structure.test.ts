import { describe, expect, it } from "vitest";
import { balanced, codeStructure, extractCode } from "./code-structure.ts";

const fizz = {
  identifiers: ["fizzbuzz", "Fizz", "Buzz"],
  constructs: [["def"], ["%"], ["for", "while"], ["return"]],
};

const GOOD = `Here is the function:

\`\`\`python
def fizzbuzz(n):
    out = []
    for i in range(1, n + 1):
        if i % 15 == 0:
            out.append("FizzBuzz")
        elif i % 3 == 0:
            out.append("Fizz")
        elif i % 5 == 0:
            out.append("Buzz")
        else:
            out.append(str(i))
    return out
\`\`\`
`;

describe("code structure", () => {
  it("scores 1 for fenced code with every identifier and construct, well formed", () => {
    expect(codeStructure(GOOD, fizz)).toBe(1);
  });

  it("accepts bare code without a fence", () => {
    const bare = GOOD.split("\n").slice(3, -2).join("\n");
    expect(codeStructure(bare, fizz)).toBe(1);
  });

  it("scores 0 for prose that only names the identifiers", () => {
    expect(codeStructure("You would write fizzbuzz with Fizz and Buzz using % in a for loop.", fizz)).toBe(0);
  });

  it("scores 0 for an empty answer and an empty fence", () => {
    expect(codeStructure("", fizz)).toBe(0);
    expect(codeStructure("```\n\n```", fizz)).toBe(0);
  });

  it("loses the well-formed part when a bracket is left open", () => {
    const broken = GOOD.replace("range(1, n + 1)", "range(1, n + 1");
    expect(codeStructure(broken, fizz)).toBeCloseTo(0.8);
  });

  it("scores the share of identifiers, case-sensitively (a near miss is a miss)", () => {
    const renamed = GOOD.replaceAll("fizzbuzz", "FizzBuzzer");
    expect(codeStructure(renamed, fizz)).toBeCloseTo(0.2 + 0.4 * (2 / 3) + 0.4);
  });

  it("scores the share of constructs", () => {
    const noModulo = GOOD.replaceAll("%", "//");
    expect(codeStructure(noModulo, fizz)).toBeCloseTo(0.2 + 0.4 + 0.4 * 0.75);
  });

  it("scores a huge answer in bounded time, on its start", () => {
    const huge = GOOD + "x = 1\n".repeat(500_000);
    expect(codeStructure(huge, fizz)).toBe(1);
  });

  it("reads unicode inside strings without confusing the brackets", () => {
    expect(balanced('print("héllo (👋")\nx = [1, 2] # a ( comment')).toBe(true);
    expect(balanced('s = """a ( b"""\nf(s)')).toBe(true);
    expect(balanced("f(x]")).toBe(false);
    expect(balanced('print("unterminated)')).toBe(false);
  });

  it("takes every fenced block together", () => {
    expect(extractCode("```\na = 1\n```\ntext\n```js\nb = 2\n```")).toBe("a = 1\n\nb = 2\n");
  });
});
