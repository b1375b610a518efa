import { describe, expect, it } from "vitest";
import { parseConfig } from "./load-config.ts";

const providers = [{ name: "openai", base_url: "http://127.0.0.1:9/v1" }];

describe("the keys section", () => {
  it("takes a key's owner, metadata, expiry, switch and scope", () => {
    const config = parseConfig({
      providers,
      keys: [
        {
          name: "app",
          key: "sk-app-key-123456",
          owner: "ana@example.com",
          metadata: { cost_center: "42" },
          expires_at: "2027-01-01T00:00:00+01:00",
          enabled: false,
          models: ["gpt-4o-mini", "claude-*", "*"],
          providers: ["openai"],
        },
      ],
    });
    expect(config.keys[0]).toMatchObject({ owner: "ana@example.com", enabled: false, providers: ["openai"] });
  });

  it("refuses a model pattern with a * anywhere but the end, a provider nobody configured, and a bad date", () => {
    const bad = (key: Record<string, unknown>) => () =>
      parseConfig({ providers, keys: [{ name: "app", key: "sk-app-key-123456", ...key }] });
    expect(bad({ models: ["gpt-*-mini"] })).toThrow(/trailing '\*'/);
    expect(bad({ providers: ["anthropic"] })).toThrow(/no provider is named "anthropic"/);
    expect(bad({ expires_at: "next tuesday" })).toThrow(/expires_at/);
  });
});
