import { describe, expect, it } from "vitest";
import { keyScope, listsModel } from "./key-scope.ts";

const entry = (id: string, provider: string, upstreamModel: string) => ({ id, provider, upstreamModel });

describe("which models a key sees listed", () => {
  it("lists every model for a key without a scope", () => {
    expect(listsModel(keyScope(undefined, undefined), entry("openai:gpt-4o", "openai", "gpt-4o"))).toBe(true);
  });

  it("lists a model the key may request by its id or by its bare upstream name", () => {
    const scope = keyScope(["gpt-4o-mini", "local:*"], undefined);
    expect(listsModel(scope, entry("openai:gpt-4o-mini", "openai", "gpt-4o-mini"))).toBe(true);
    expect(listsModel(scope, entry("local:llama-8b", "local", "llama-8b"))).toBe(true);
    expect(listsModel(scope, entry("openai:gpt-4o", "openai", "gpt-4o"))).toBe(false);
  });

  it("hides the models of providers the key may not use", () => {
    const scope = keyScope(undefined, ["local"]);
    expect(listsModel(scope, entry("local:llama-8b", "local", "llama-8b"))).toBe(true);
    expect(listsModel(scope, entry("openai:gpt-4o", "openai", "gpt-4o"))).toBe(false);
  });
});
