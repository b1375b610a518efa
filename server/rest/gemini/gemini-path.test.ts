import { describe, expect, it } from "vitest";
import { GatewayError } from "../../errors/gateway-error.ts";
import { parseMethodPath, parseModelResource } from "./gemini-path.ts";

describe("Gemini model paths", () => {
  it("splits the method at the last colon and decodes the id", () => {
    expect(parseMethodPath("models/mock:mock-small:generateContent")).toEqual({
      model: "mock:mock-small",
      resource: "models/mock:mock-small",
      method: "generateContent",
    });
    expect(parseMethodPath("models/org%2Fname:countTokens")).toMatchObject({ model: "org/name" });
    expect(parseMethodPath("models/org/name:embedContent")).toMatchObject({ model: "org/name" });
    expect(parseMethodPath("tunedModels/t1:generateContent")).toMatchObject({ model: "tunedModels/t1" });
    expect(parseMethodPath("models/x:explode")).toEqual({ unknownMethod: "explode" });
    expect(parseMethodPath("models/x")).toBeUndefined();
  });

  it.each(["models/", "models/a%E0%A4%A", "models/../x", "models/a%00b", "files/x", "models/a//b"])(
    "refuses the malformed model name %s",
    (raw) => {
      expect(() => parseModelResource(raw)).toThrow(GatewayError);
    },
  );
});
