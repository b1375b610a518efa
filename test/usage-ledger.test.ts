import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, describe, expect, it } from "vitest";
import { ledgerEntries } from "./harness/observe.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

describe("usage ledger", () => {
  const dir = mkdtempSync(join(tmpdir(), "llmgw-ledger-"));
  const ledger = join(dir, "usage.db");
  const open: TestGateway[] = [];
  afterAll(async () => {
    await Promise.all(open.map((gw) => gw.close()));
  });

  async function gateway(): Promise<TestGateway> {
    const gw = await startTestGateway({
      config: {
        usage: { path: ledger },
        keys: [
          { name: "team-a", key: "sk-team-a-123456" },
          { name: "team-b", key: "sk-team-b-123456" },
          { name: "ops", key: "sk-ops-admin-123456", admin: true },
        ],
        providers: undefined,
      },
    });
    open.push(gw);
    return gw;
  }

  it("records every request and survives a restart", async () => {
    const first = await gateway();
    const client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: "sk-team-a-123456" });
    await client.chat.completions.create({
      model: "mock-small",
      messages: [{ role: "user", content: "one two three" }],
    });
    await client.chat.completions.create({
      model: "mock-small",
      messages: [{ role: "user", content: "four" }],
    });
    await expect(
      client.chat.completions.create({ model: "nope:thing", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toThrow();
    await first.close();
    open.pop();

    const second = await gateway();
    const response = await fetch(`${second.url}/v1/usage`, {
      headers: { authorization: "Bearer sk-team-a-123456" },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: Array<Record<string, unknown>> };
    const served = body.data.find((row) => row.provider === "mock" && row.model === "mock-small");
    expect(served).toMatchObject({ key: "team-a", requests: 2, errors: 0, completion_tokens: 32 });
    expect(served?.prompt_tokens).toBe(4);
    const failed = body.data.find((row) => row.model === "nope:thing");
    expect(failed).toMatchObject({ key: "team-a", requests: 1, errors: 1 });
  });

  it("shows a key only its own usage unless it is an admin key", async () => {
    const gw = open[0] ?? (await gateway());
    const teamB = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "sk-team-b-123456" });
    await teamB.chat.completions.create({ model: "mock-small", messages: [{ role: "user", content: "b" }] });
    const usage = async (key: string, query = "") => {
      const response = await fetch(`${gw.url}/v1/usage${query}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      return { status: response.status, body: (await response.json()) as { data: Array<{ key: string }> } };
    };
    const own = await usage("sk-team-b-123456");
    expect(new Set(own.body.data.map((row) => row.key))).toEqual(new Set(["team-b"]));
    expect((await usage("sk-team-b-123456", "?key=team-a")).status).toBe(403);
    const all = await usage("sk-ops-admin-123456");
    expect(new Set(all.body.data.map((row) => row.key))).toEqual(new Set(["team-a", "team-b"]));
    const filtered = await usage("sk-ops-admin-123456", "?key=team-a");
    expect(new Set(filtered.body.data.map((row) => row.key))).toEqual(new Set(["team-a"]));
  });

  it("filters by time range", async () => {
    const gw = open[0] ?? (await gateway());
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const response = await fetch(`${gw.url}/v1/usage?start=${future}`, {
      headers: { authorization: "Bearer sk-team-a-123456" },
    });
    expect(((await response.json()) as { data: unknown[] }).data).toEqual([]);
    const bad = await fetch(`${gw.url}/v1/usage?start=yesterday`, {
      headers: { authorization: "Bearer sk-team-a-123456" },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe("start");
  });

  it("writes one row per request with its attempts and the deployment that served it", async () => {
    const gw = await startTestGateway();
    open.push(gw);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "none", maxRetries: 0 });
    const messages = [{ role: "user" as const, content: "hi" }];
    await client.chat.completions.create({ model: "mock-small", messages });
    // Refused by the upstream with a status no gateway retries: one attempt, on the deployment that refused.
    const refusal = { model: "mock-small", messages, mock: { status: 400 } } as never;
    await expect(client.chat.completions.create(refusal)).rejects.toThrow();
    // Refused before routing: no attempt, no deployment.
    await expect(client.chat.completions.create({ model: "nope:thing", messages })).rejects.toThrow();

    const rows = await ledgerEntries(gw);
    expect(
      rows.map(({ model, status, attempts, deployment }) => ({ model, status, attempts, deployment })),
    ).toEqual([
      { model: "mock-small", status: "ok", attempts: 1, deployment: "mock:mock-small" },
      { model: "mock-small", status: "invalid_request", attempts: 1, deployment: "mock:mock-small" },
      { model: "nope:thing", status: "model_not_found", attempts: 0, deployment: "" },
    ]);
    expect(rows[0]).toMatchObject({
      surface: "openai",
      provider: "mock",
      completionTokens: 16,
      estimated: false,
    });
    expect(await ledgerEntries(gw, { model: "nope:thing" })).toHaveLength(1);
  });
});
