import { describe, expect, it } from "vitest";
import { injectsFailure, NO_CONTROLS, parseBehaviour, parseControls } from "./mock-controls.ts";
import { OpenAIError } from "./mock-errors.ts";

describe("parseControls over a server behaviour", () => {
  const base = parseBehaviour({ status: 503, retryAfter: 2, ttftMs: 50 });

  it("returns the behaviour itself when the request has no controls", () => {
    expect(parseControls(["content-type", "application/json"], undefined, base)).toBe(base);
    expect(parseControls([], undefined)).toBe(NO_CONTROLS);
  });

  it("lets the request's controls win field by field, headers over the body", () => {
    const controls = parseControls(["X-Mock-Status", "429"], { ttft_ms: 5, tokens: 3 }, base);
    expect(controls).toEqual({ status: 429, retryAfter: 2, ttftMs: 5, tokens: 3 });
    expect(base).toEqual({ status: 503, retryAfter: 2, ttftMs: 50 });
  });

  it("parses reset from a header or the body", () => {
    expect(parseControls(["x-mock-reset", "true"], undefined)).toEqual({ reset: true });
    expect(parseControls([], { reset: false }, parseBehaviour({ reset: true }))).toEqual({ reset: false });
    expect(() => parseControls(["x-mock-reset", "soon"], undefined)).toThrow(OpenAIError);
  });
});

describe("parseBehaviour", () => {
  it("takes camelCase fields or a body's snake_case names, and freezes the result", () => {
    const camel = parseBehaviour({ ttftMs: 10, itlMs: 2, dropAfter: 1, errorBody: "x", status: 500 });
    expect(camel).toEqual({ ttftMs: 10, itlMs: 2, dropAfter: 1, errorBody: "x", status: 500 });
    expect(Object.isFrozen(camel)).toBe(true);
    expect(parseBehaviour({ ttft_ms: 10, "retry-after": 3, reset: true })).toEqual({
      ttftMs: 10,
      retryAfter: 3,
      reset: true,
    });
  });

  it("is NO_CONTROLS when nothing is set", () => {
    expect(parseBehaviour(undefined)).toBe(NO_CONTROLS);
    expect(parseBehaviour({ status: undefined })).toBe(NO_CONTROLS);
  });

  it("refuses what a request would be refused, with a RangeError naming the control", () => {
    expect(() => parseBehaviour({ status: 200 })).toThrow(RangeError);
    expect(() => parseBehaviour({ status: 200 })).toThrow(/"status": expected an integer between 400/);
    expect(() => parseBehaviour({ ttftMs: -1 })).toThrow(/"ttft_ms"/);
    expect(() => parseBehaviour({ stauts: 500 })).toThrow(/Unknown mock control "stauts"/);
  });
});

describe("injectsFailure", () => {
  it("is true for a status, a raw error body or a reset, and false otherwise", () => {
    expect(injectsFailure({ status: 500 })).toBe(true);
    expect(injectsFailure({ errorBody: "no" })).toBe(true);
    expect(injectsFailure({ reset: true })).toBe(true);
    expect(injectsFailure({ reset: false, dropAfter: 0, ttftMs: 5 })).toBe(false);
    expect(injectsFailure(NO_CONTROLS)).toBe(false);
  });
});
