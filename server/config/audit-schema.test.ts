import { describe, expect, it } from "vitest";
import { auditPath } from "./audit-schema.ts";
import { parseConfig } from "./load-config.ts";

const providers = [{ name: "openai", base_url: "http://127.0.0.1:9/v1" }];

describe("the audit section", () => {
  it("is off by default, in full mode once enabled", () => {
    expect(parseConfig({ providers }).audit).toMatchObject({ enabled: false, mode: "full", keys: {} });
    expect(parseConfig({ providers, audit: { enabled: true } }).audit.flush_interval_ms).toBe(1_000);
  });

  it("takes per-key modes, retention and a size cap", () => {
    const audit = parseConfig({
      providers,
      audit: {
        enabled: true,
        mode: "redact-pii",
        keys: { bot: "metadata-only" },
        retention_days: 7,
        max_rows: 10,
      },
    }).audit;
    expect(audit).toMatchObject({ mode: "redact-pii", keys: { bot: "metadata-only" }, retention_days: 7 });
  });

  it("names the bad field", () => {
    const bad = (audit: unknown) => () => parseConfig({ providers, audit });
    expect(bad({ mode: "everything" })).toThrow(/audit\.mode/);
    expect(bad({ keys: { bot: "loud" } })).toThrow(/audit\.keys\.bot/);
    expect(bad({ retention_days: -1 })).toThrow(/audit\.retention_days/);
    expect(bad({ max_rows: 1.5 })).toThrow(/audit\.max_rows/);
    expect(bad({ enabled: true, extra: 1 })).toThrow(/extra/);
  });

  it("keeps the embedded log beside the ledger unless told", () => {
    const audit = parseConfig({ providers }).audit;
    expect(auditPath(audit, "data/llmgw.db")).toBe("data/llmgw-audit.db");
    expect(auditPath(audit, ":memory:")).toBe(":memory:");
    expect(auditPath({ ...audit, path: "/x/a.db" }, "data/llmgw.db")).toBe("/x/a.db");
  });
});
