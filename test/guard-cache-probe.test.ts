import { beforeEach, describe, expect, it } from "vitest";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * Defects found by probing the guards, the audit log and the response cache
 * together, each against a real gateway in front of the mock upstream.
 */

async function post(gw: TestGateway, path: string, body: unknown): Promise<{ status: number; text: string }> {
  const r = await fetch(gw.url + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: r.status, text: await r.text() };
}

describe("the cache with the guards' round trip (restore)", () => {
  let gw: TestGateway;
  useTestGateway(
    { config: { guards: { pii: { action: "redact" }, restore: true }, cache: { exact: { ttl_s: 60 } } } },
    (started) => {
      gw = started;
    },
  );
  beforeEach(() => gw.mock.reset());

  // Both callers' requests redact to the same text, so they share a cache entry; the entry must hold the
  // upstream's answer (placeholders), which each caller then gets back with its own values restored.
  for (const stream of [false, true])
    it(`never serves one caller's restored values to another (${stream ? "stream" : "unary"})`, async () => {
      const ask = (who: string) =>
        post(gw, "/v1/chat/completions", {
          model: "mock-small",
          stream,
          messages: [{ role: "user", content: `mail ${who}@example.com (${stream})` }],
          mock: { reply: "Your address is [REDACTED:EMAIL_1] ok" },
        });
      const jane = await ask("jane");
      expect(jane.status).toBe(200);
      expect(jane.text).toContain("jane@example.com");
      await new Promise((resolve) => setTimeout(resolve, 50));
      const bob = await ask("bob");
      expect(bob.status).toBe(200);
      expect(bob.text).not.toContain("jane@example.com");
      expect(bob.text).toContain("bob@example.com");
      // The second answer came from the cache, not the upstream.
      expect(gw.mock.requests.filter((r) => r.path.endsWith("/chat/completions"))).toHaveLength(1);
    });
});

describe("the input guards on the fields no surface models", () => {
  let gw: TestGateway;
  useTestGateway(
    {
      config: (mockUrl: string) => ({
        providers: [
          { name: "mock", base_url: `${mockUrl}/v1`, models: ["mock-small"] },
          {
            name: "claude",
            type: "anthropic",
            base_url: `${mockUrl}/v1`,
            api_key: "sk-ant-x",
            models: ["c1"],
          },
        ],
        guards: { secrets: { action: "block" } },
      }),
    },
    (started) => {
      gw = started;
    },
  );
  beforeEach(() => gw.mock.reset());

  // OpenAI has no top-level `system`: it rides in `extra`, and the Anthropic adapter sends it on as the
  // system prompt. A tool's parameter schema reaches the model too.
  it("refuses a secret in an OpenAI caller's `system` field bound for Anthropic, and in a tool schema", async () => {
    const key = "AKIAIOSFODNN7EXAMPLE";
    const viaSystem = await post(gw, "/v1/chat/completions", {
      model: "claude:c1",
      messages: [{ role: "user", content: "hi" }],
      system: `deploy with ${key}`,
    });
    expect(viaSystem.status).toBe(403);
    expect(JSON.parse(viaSystem.text).error).toMatchObject({ code: "guardrail_blocked", param: "system" });
    const viaSchema = await post(gw, "/v1/chat/completions", {
      model: "mock-small",
      messages: [{ role: "user", content: "hi" }],
      tools: [
        {
          type: "function",
          function: { name: "f", parameters: { type: "object", properties: { a: { description: key } } } },
        },
      ],
    });
    expect(viaSchema.status).toBe(403);
    expect(gw.mock.requests.some((r) => JSON.stringify(r.body).includes(key))).toBe(false);
  });
});
