import { describe, expect, it } from "vitest";
import { parseMockArgs } from "./main.ts";

describe("llmgw mock --behaviour", () => {
  it("takes a JSON object of controls named as in a body's mock object", () => {
    expect(parseMockArgs(["--port", "0", "--behaviour", '{"status":503,"retry_after":2}'])).toEqual({
      port: 0,
      behaviour: { status: 503, retryAfter: 2 },
    });
    expect(parseMockArgs(["--behaviour", '{"reset":true,"ttft_ms":100}'])?.behaviour).toEqual({
      reset: true,
      ttftMs: 100,
    });
  });

  it("refuses what is not a JSON object, or a control a request would be refused", () => {
    expect(() => parseMockArgs(["--behaviour", "status=503"])).toThrow(/--behaviour must be a JSON object/);
    expect(() => parseMockArgs(["--behaviour", "[1]"])).toThrow(/--behaviour must be a JSON object/);
    expect(() => parseMockArgs(["--behaviour", '{"status":200}'])).toThrow(/--behaviour: .*"status"/);
    expect(() => parseMockArgs(["--behaviour", '{"stauts":500}'])).toThrow(/Unknown mock control "stauts"/);
  });
});
