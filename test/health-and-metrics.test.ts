import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

describe("health, readiness and metrics", () => {
  let gw: TestGateway;
  let broken: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
    broken = await startTestGateway({
      config: {
        providers: [
          { name: "mock", base_url: "http://127.0.0.1:9/v1", models: ["mock-small"], discover: false },
        ],
      },
    });
  });
  afterAll(async () => {
    await Promise.all([gw.close(), broken.close()]);
  });

  it("is ready when every provider's upstream answers", async () => {
    const response = await fetch(`${gw.url}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ready", providers: [{ provider: "mock", ok: true }] });
  });

  it("shares and caches the readiness probe, so polling /ready does not multiply upstream calls", async () => {
    gw.mock.reset();
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${gw.url}/ready`)));
    for (let i = 0; i < 20; i++) answers.push(await fetch(`${gw.url}/ready`));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const probes = gw.mock.requests.filter((r) => r.path.endsWith("/models"));
    expect(probes.length).toBeLessThanOrEqual(1);
  });

  it("is live but not ready when an upstream is unreachable, and says which", async () => {
    expect((await fetch(`${broken.url}/health`)).status).toBe(200);
    const response = await fetch(`${broken.url}/ready`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      providers: Array<{ provider: string; ok: boolean; error: string }>;
    };
    expect(body.providers[0]).toMatchObject({ provider: "mock", ok: false });
    expect(body.providers[0]?.error).toMatch(/unreachable/);
  });

  it("counts requests, latency and tokens in Prometheus format", async () => {
    const chat = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-small", messages: [{ role: "user", content: "count me" }] }),
    });
    expect(chat.status).toBe(200);
    const response = await fetch(`${gw.url}/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toMatch(
      /llmgw_requests_total\{surface="openai",provider="mock",model="mock-small",status="ok",cache="none"\} 1/,
    );
    expect(text).toMatch(/llmgw_tokens_total\{provider="mock",model="mock-small",kind="completion"\} 16/);
    expect(text).toContain("llmgw_request_duration_seconds_bucket");
  });

  it("keeps model names a caller made up out of the metric labels", async () => {
    for (const model of ["nope:invented-1", "nope:invented-2"]) {
      const response = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "x" }] }),
      });
      expect(response.status).toBe(404);
    }
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).not.toContain("invented");
    expect(text).toMatch(
      /llmgw_requests_total\{surface="openai",provider="",model="",status="model_not_found",cache="none"\} 2/,
    );
  });

  it("counts bare model names no provider lists as `other`, however many a caller makes up", async () => {
    for (let i = 0; i < 30; i++) {
      const response = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        // A bare unknown name goes to the default provider, which answers it: the name must still not be a label.
        body: JSON.stringify({
          model: `made-up-${i}-${"x".repeat(200)}`,
          messages: [{ role: "user", content: "x" }],
        }),
      });
      expect(response.status).toBe(200);
    }
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).not.toContain("made-up");
    expect(text).toMatch(
      /llmgw_requests_total\{surface="openai",provider="mock",model="other",status="ok",cache="none"\} 30/,
    );
  });
});
