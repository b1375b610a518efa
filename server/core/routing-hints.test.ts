import { describe, expect, it } from "vitest";
import { GatewayError } from "../errors/gateway-error.ts";
import { routingHintsFromHeaders } from "./routing-hints.ts";

/** The error a call must throw; a call that returns fails the test here. */
function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected an error");
}

describe("routing hints from the x-llmgw-* headers", () => {
  it("is undefined when no header is set, or every one is blank", () => {
    expect(routingHintsFromHeaders(undefined, undefined, undefined, undefined)).toBeUndefined();
    expect(routingHintsFromHeaders("", "  ", "", " ")).toBeUndefined();
  });

  it("carries strategy and provider names trimmed, unvalidated", () => {
    const hints = routingHintsFromHeaders(" least-busy ", " ollama\t", undefined, undefined);
    expect(hints?.strategy).toBe("least-busy");
    expect(hints?.preferProvider).toBe("ollama");
    expect(hints?.noFallback).toBe(false);
    expect(hints?.priority).toBeUndefined();
    expect(routingHintsFromHeaders("no-such-strategy", undefined, undefined, undefined)?.strategy).toBe(
      "no-such-strategy",
    );
  });

  it.each(["off", "OFF", "false", "False", "0", " off "])("turns fallback off for %j", (value) => {
    const hints = routingHintsFromHeaders(undefined, undefined, value, undefined);
    expect(hints?.noFallback).toBe(true);
    expect(hints?.strategy).toBe("");
  });

  it.each(["on", "true", "1", "no", "disabled"])("refuses fallback %j, naming the header", (value) => {
    const error = thrown(() => routingHintsFromHeaders(undefined, undefined, value, undefined));
    expect(error.code).toBe("invalid_request");
    expect(error.param).toBe("x-llmgw-fallback");
    expect(error.message).toContain("x-llmgw-fallback");
    expect(error.message).toContain(JSON.stringify(value));
  });

  it.each([
    ["5", 5],
    ["-3", -3],
    ["+7", 7],
    [" 10 ", 10],
    ["0", 0],
    ["2147483647", 2147483647],
    ["-2147483648", -2147483648],
  ])("reads priority %j as %d", (value, expected) => {
    expect(routingHintsFromHeaders(undefined, undefined, undefined, value)?.priority).toBe(expected);
  });

  it.each(["abc", "1.5", "1e3", "0x10", "2147483648", "-2147483649", "99999999999", "5 5"])(
    "refuses priority %j, naming the header",
    (value) => {
      const error = thrown(() => routingHintsFromHeaders(undefined, undefined, undefined, value));
      expect(error.code).toBe("invalid_request");
      expect(error.param).toBe("x-llmgw-priority");
      expect(error.message).toContain("must be an integer");
    },
  );

  it("cuts a long bad value short in the message", () => {
    const error = thrown(() => routingHintsFromHeaders(undefined, undefined, undefined, "x".repeat(500)));
    expect(error.message.length).toBeLessThan(150);
  });

  it("combines all four", () => {
    const hints = routingHintsFromHeaders("cost", "openai", "off", "2");
    expect({ ...hints }).toMatchObject({
      strategy: "cost",
      preferProvider: "openai",
      noFallback: true,
      priority: 2,
    });
  });
});
