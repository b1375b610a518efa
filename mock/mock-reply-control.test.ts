import { describe, expect, it } from "vitest";
import { parseControls } from "./mock-controls.ts";
import { OpenAIError } from "./mock-errors.ts";
import { planReply } from "./mock-reply.ts";

const defaults = { tokens: 8, model: "mock" };
const body = { model: "mock", messages: [{ role: "user", content: "Who owns the dog?" }] };

describe("the reply control", () => {
  it("answers the given text, a word per piece, from a header or the body", () => {
    const controls = parseControls(["x-mock-reply", "  Caro, of course. "], undefined);
    const plan = planReply(body, controls, defaults, 1);
    expect(plan.text?.join()).toBe("Caro, of course.");
    expect(plan.completionTokens).toBe(3);
    expect(planReply(body, parseControls([], { reply: "B" }), defaults, 1).text?.join()).toBe("B");
  });

  it("keeps unicode and still obeys max_tokens", () => {
    const controls = parseControls([], { reply: "héllo wörld 👋 again" });
    const plan = planReply({ ...body, max_tokens: 2 }, controls, defaults, 1);
    expect(plan.text?.join()).toBe("héllo wörld");
    expect(plan.finishReason).toBe("length");
  });

  it("answers lorem ipsum without it", () => {
    expect(planReply(body, parseControls([], undefined), defaults, 1).text?.join()).toMatch(/^lorem ipsum/);
  });

  it("refuses a reply that is not a string, or is huge", () => {
    expect(() => parseControls([], { reply: 42 })).toThrow(OpenAIError);
    expect(() => parseControls([], { reply: "x".repeat(70_000) })).toThrow(OpenAIError);
  });
});
