import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, createLlmgwClient, createNodeTransport, type LlmgwClient } from "../sdk/index.ts";
import { type GatewayMeta, HELLO, openaiClient } from "./harness/openai-client.ts";
import { PostgresServer } from "./harness/postgres-server.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Gateways with `postgres.url` set: the usage ledger and the stored keys live in PostgreSQL, shared
 * by every replica. A request's row lands in PostgreSQL's `usage` table; a key created over
 * KeysService on one gateway authenticates on a second gateway that starts after it. (A running
 * replica learns of another's changes through Redis pub/sub, which is not tested here.)
 */

const ADMIN = "sk-postgres-admin-01";

describe("the PostgreSQL backend, end to end", () => {
  let server: PostgresServer;
  let url: string;
  const gateways: TestGateway[] = [];
  const gateway = async () => {
    const gw = await startTestGateway({
      config: {
        keys: [{ name: "ops", key: ADMIN, admin: true }],
        postgres: { url },
        usage: { flush_interval_ms: 20 },
      },
    });
    gateways.push(gw);
    return gw;
  };
  const admin = (gw: TestGateway): LlmgwClient =>
    createLlmgwClient(createNodeTransport({ baseUrl: gw.url, apiKey: ADMIN, protocol: "grpc" }));
  const chat = (gw: TestGateway, key: string) =>
    openaiClient(gw, key).chat.completions.create({ model: "mock-small", messages: HELLO });
  const usageRow = async (requestId: string) =>
    (
      await server.query<Record<string, unknown>>(
        "SELECT key, status, provider, model, deployment, attempts, prompt_tokens FROM usage WHERE request_id = $1",
        [requestId],
        url,
      )
    )[0];

  beforeAll(async () => {
    server = await PostgresServer.start();
    url = await server.database();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((gw) => gw.close()));
    await server?.stop();
  });

  it("records a served request's row in PostgreSQL", async () => {
    const gw = await gateway();
    const completion = await chat(gw, ADMIN);
    const meta = (completion as unknown as { "x-llmgw": GatewayMeta })["x-llmgw"];
    await expect
      .poll(() => usageRow(meta.request_id), { timeout: 5_000, interval: 25 })
      .toEqual({
        key: "ops",
        status: "ok",
        provider: "mock",
        model: "mock-small",
        deployment: expect.any(String),
        attempts: 1,
        prompt_tokens: String(completion.usage?.prompt_tokens),
      });
  });

  it("authenticates a key created on one gateway on a second one sharing the database", async () => {
    const first = gateways[0] ?? (await gateway());
    const created = await createKey(admin(first), "shared-app", { team: "search" });
    const second = await gateway();
    const completion = await chat(second, created.secret);
    expect(completion.choices[0]?.message.content).toBeTruthy();
    const meta = (completion as unknown as { "x-llmgw": GatewayMeta })["x-llmgw"];
    await expect
      .poll(async () => (await usageRow(meta.request_id))?.key, { timeout: 5_000 })
      .toBe("shared-app");
    // A secret nobody created is still refused there.
    const refused = await chat(second, "sk-llmgw-not-a-key-at-all").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
