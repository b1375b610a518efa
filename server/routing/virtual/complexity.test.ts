import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ChatRequestSchema, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { rateComplexity } from "./complexity.ts";

function chat(...turns: string[]) {
  return create(ChatRequestSchema, {
    model: "auto",
    messages: turns.map((text, i) => ({
      role: i % 2 === 0 ? Role.USER : Role.ASSISTANT,
      content: [{ part: { case: "text" as const, value: text } }],
    })),
  });
}

const CODE_PROMPT = `Why does this throw on the second call? Please refactor it.

\`\`\`ts
export async function load(id: string): Promise<User> {
  const cached = cache.get(id);
  if (cached !== undefined) return cached;
  const user = await db.query("SELECT * FROM users WHERE id = $1", [id]);
  cache.set(id, user);
  return user;
}
\`\`\``;

describe("rateComplexity", () => {
  it("rates a plain greeting simple, with nothing fired", () => {
    const rating = rateComplexity(chat("hello"));
    expect(rating).toEqual({ level: "simple", points: 0, signals: [] });
  });

  it("does not take dates, times or prose for math or code", () => {
    const rating = rateComplexity(chat("Can we move the meeting from 2024-05-13 10:30 to 3/4? Let me know."));
    expect(rating.level).toBe("simple");
  });

  it("rates a code-heavy prompt complex, naming the code signals", () => {
    const rating = rateComplexity(chat(CODE_PROMPT));
    expect(rating.level).toBe("complex");
    const code = rating.signals.find((s) => s.startsWith("code:"));
    expect(code).toContain("fenced block");
    expect(code).toContain("keywords");
    expect(code).toMatch(/\(\+3\)$/);
  });

  it("counts code keywords as words, SQL's only in capitals", () => {
    const asked = rateComplexity(chat("How do I debug an async function that forgets to await?"));
    expect(asked.level).toBe("medium");
    expect(asked.signals).toEqual(["code: keywords debug, async, function, await (+1)"]);
    expect(
      rateComplexity(chat("Please select where to join us, and tell us what functionality you need")).level,
    ).toBe("simple");
  });

  it("rates LaTeX and math words complex", () => {
    const rating = rateComplexity(
      chat("Prove that \\int_0^1 x^2 \\, dx = 1/3 using the fundamental theorem of calculus."),
    );
    expect(rating.level).toBe("complex");
    expect(rating.signals).toEqual([expect.stringMatching(/^math: LaTeX; equation; words prove, theorem/)]);
  });

  it("rates plain arithmetic medium", () => {
    expect(rateComplexity(chat("what is 12 * 7?")).level).toBe("medium");
  });

  it("rates a request for a poem medium", () => {
    const rating = rateComplexity(chat("Write a short poem about autumn leaves"));
    expect(rating.level).toBe("medium");
    expect(rating.signals).toEqual(["creative writing (+1)"]);
  });

  it("counts conversation depth", () => {
    const turns = Array.from({ length: 12 }, (_, i) => `turn ${i}`);
    const rating = rateComplexity(chat(...turns));
    expect(rating.signals).toEqual(["conversation: 12 turns (+2)"]);
    expect(rating.level).toBe("medium");
  });

  it("counts length, and reads only the newest text for the other signals", () => {
    const long = `${"```\n".repeat(1)}${"a".repeat(20_000)}`;
    const rating = rateComplexity(chat(long, "ok"));
    expect(rating.signals).toEqual(["length: 20006 characters (+2)"]);
  });
});
