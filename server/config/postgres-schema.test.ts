import { describe, expect, it } from "vitest";
import { parseConfig } from "./load-config.ts";

const providers = [{ name: "openai", base_url: "http://127.0.0.1:9/v1" }];

describe("the postgres section", () => {
  it("is absent by default, which keeps the ledger and keys in SQLite", () => {
    expect(parseConfig({ providers }).postgres).toBeUndefined();
  });

  it("takes a postgres:// or postgresql:// URL", () => {
    for (const url of ["postgres://llmgw:pw@db:5432/llmgw", "postgresql://db/llmgw"]) {
      expect(parseConfig({ providers, postgres: { url } }).postgres).toEqual({ url });
    }
  });

  it("refuses another scheme, a missing url and an unknown field", () => {
    const bad = (postgres: unknown) => () => parseConfig({ providers, postgres });
    expect(bad({ url: "mysql://db/llmgw" })).toThrow(/postgres\.url.*PostgreSQL URL/s);
    expect(bad({})).toThrow(/postgres\.url/);
    expect(bad({ url: "postgres://db/x", pool: 5 })).toThrow(/pool/);
  });
});
