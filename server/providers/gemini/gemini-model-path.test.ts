import { describe, expect, it } from "vitest";
import { GatewayError } from "../../errors/gateway-error.ts";
import { modelPath } from "./gemini-adapter.ts";

describe("modelPath", () => {
  it("puts a bare id under models/ and keeps a resource path, each segment encoded", () => {
    expect(modelPath("gemini-2.5-flash")).toBe("/models/gemini-2.5-flash");
    expect(modelPath("tunedModels/my model")).toBe("/tunedModels/my%20model");
    expect(modelPath("a?b#c")).toBe("/models/a%3Fb%23c");
  });

  it.each(["..", ".", "../../x", "models/../../x", "tunedModels/./x", "a//b", "x/"])(
    "refuses %j, which would walk the upstream's URL space",
    (model) => {
      let thrown: unknown;
      try {
        modelPath(model);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(GatewayError);
      expect(thrown).toMatchObject({ code: "invalid_request", param: "model" });
    },
  );
});
