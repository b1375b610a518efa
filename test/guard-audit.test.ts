import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLlmgwClient, createNodeTransport, type LlmgwClient, queryAudit } from "../sdk/index.ts";
import { failure, openaiClient } from "./harness/openai-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * The guards' verdicts in the audit log: a request a guard blocked and one it
 * redacted are both recorded, with what the guard found and did, and can be
 * found by rule; the stored copy never holds what was redacted.
 */

const ADMIN = "sk-guard-audit-admin";
const USER = "sk-guard-audit-user1";
const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";

let gw: TestGateway;
let admin: LlmgwClient;

beforeAll(async () => {
  gw = await startTestGateway({
    config: {
      keys: [
        { name: "ops", key: ADMIN, admin: true },
        { name: "agent", key: USER },
      ],
      guards: { secrets: { action: "block" }, pii: { action: "redact" } },
      audit: { enabled: true, mode: "full", flush_interval_ms: 20 },
    },
  });
  admin = createLlmgwClient(createNodeTransport({ baseUrl: gw.url, apiKey: ADMIN, protocol: "grpc" }));
});

afterAll(async () => {
  await gw?.close();
});

describe("guards and the audit log", () => {
  it("records a blocked request with its verdict, findable by rule, and a redacted one masked", async () => {
    const client = openaiClient(gw, USER);
    const blocked = await failure(
      client.chat.completions.create({
        model: "mock-small",
        messages: [{ role: "user", content: `deploy with aws_access_key_id=${AWS_KEY}` }],
      }),
    );
    expect((blocked as { status?: number }).status).toBe(403);
    await client.chat.completions.create({
      model: "mock-small",
      messages: [{ role: "user", content: "mail jane@example.com the report" }],
    });

    let found: Awaited<ReturnType<typeof queryAudit>>["records"] = [];
    await expect
      .poll(async () => {
        found = (await queryAudit(admin, { key: "agent" })).records;
        return found.length;
      })
      .toBe(2);
    const refused = found.find((r) => r.status === "guardrail_blocked");
    expect(refused).toBeDefined();
    expect(JSON.parse(refused?.guard ?? "[]")).toEqual([
      expect.objectContaining({ rule: "secrets", action: "block", where: "user" }),
    ]);
    const redacted = found.find((r) => r.status === "ok");
    expect(JSON.parse(redacted?.guard ?? "[]")).toEqual([
      expect.objectContaining({ rule: "pii", type: "email", action: "redact" }),
    ]);
    // The stored request is the one that went upstream: masked.
    expect(redacted?.request).toContain("[REDACTED:EMAIL_1]");
    expect(redacted?.request).not.toContain("jane@example.com");
    const bySecrets = (await queryAudit(admin, { guardRule: "secrets" })).records;
    expect(bySecrets.map((r) => r.status)).toEqual(["guardrail_blocked"]);
  });
});
