import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageService } from "../gen/llmgw/v1/usage_pb.js";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

const TEAM = "sk-team-a-123456";
const ADMIN = "sk-ops-admin-123456";

interface RestRow {
  day: string;
  key: string;
  provider: string;
  model: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
}

/** `GET /v1/usage` and `UsageService.GetUsage` are one query service: same rows, same refusals. */
describe("usage queries over REST and RPC", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      config: {
        keys: [
          { name: "team-a", key: TEAM },
          { name: "ops", key: ADMIN, admin: true },
        ],
      },
    });
    for (const key of [TEAM, ADMIN]) {
      const chat = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: "mock-small", messages: [{ role: "user", content: "count me" }] }),
      });
      expect(chat.status).toBe(200);
    }
  });
  afterAll(async () => {
    await gw.close();
  });

  const rpc = () => createClient(UsageService, createGrpcTransport({ baseUrl: gw.url }));
  const rest = (query: string, key: string) =>
    fetch(`${gw.url}/v1/usage?${query}`, { headers: { authorization: `Bearer ${key}` } });

  it("give the same rows for the same query", async () => {
    for (const key of [TEAM, ADMIN]) {
      const viaRest = ((await (await rest("provider=mock", key)).json()) as { data: RestRow[] }).data;
      const viaRpc = await rpc().getUsage(
        { provider: "mock" },
        { headers: { authorization: `Bearer ${key}` } },
      );
      expect(viaRest.length).toBeGreaterThan(0);
      expect(
        viaRpc.rows.map((r) => ({
          day: r.day,
          key: r.key,
          provider: r.provider,
          model: r.model,
          requests: Number(r.requests),
          errors: Number(r.errors),
          prompt_tokens: Number(r.promptTokens),
          completion_tokens: Number(r.completionTokens),
        })),
      ).toEqual(
        viaRest.map(({ day, key, provider, model, requests, errors, prompt_tokens, completion_tokens }) => ({
          day,
          key,
          provider,
          model,
          requests,
          errors,
          prompt_tokens,
          completion_tokens,
        })),
      );
    }
  });

  it("refuse a start after the end the same way", async () => {
    const start = Date.parse("2026-06-02T00:00:00Z");
    const end = Date.parse("2026-06-01T00:00:00Z");
    const viaRest = await rest(
      `start=${new Date(start).toISOString()}&end=${new Date(end).toISOString()}`,
      TEAM,
    );
    expect(viaRest.status).toBe(400);
    const body = (await viaRest.json()) as { error: { param: string; message: string } };
    const viaRpc = await rpc()
      .getUsage(
        { start: timestampFromMs(start), end: timestampFromMs(end) },
        { headers: { authorization: `Bearer ${TEAM}` } },
      )
      .catch((error: unknown) => ConnectError.from(error));
    expect(viaRpc).toBeInstanceOf(ConnectError);
    expect((viaRpc as ConnectError).code).toBe(Code.InvalidArgument);
    expect((viaRpc as ConnectError).rawMessage).toBe(body.error.message);
    expect(body.error.param).toBe("start");
  });

  it("refuse an end no date can hold the same way", async () => {
    const viaRest = await rest("end=99999999999999", TEAM);
    expect(viaRest.status).toBe(400);
    const body = (await viaRest.json()) as { error: { param: string; message: string } };
    expect(body.error.param).toBe("end");
    const viaRpc = await rpc()
      .getUsage(
        { end: { seconds: 99_999_999_999_999n, nanos: 0 } },
        { headers: { authorization: `Bearer ${TEAM}` } },
      )
      .catch((error: unknown) => ConnectError.from(error));
    expect((viaRpc as ConnectError).code).toBe(Code.InvalidArgument);
    expect((viaRpc as ConnectError).rawMessage).toBe(body.error.message);
  });

  it("refuse another key's usage to a key that is not an admin, the same way", async () => {
    const viaRest = await rest("key=ops", TEAM);
    expect(viaRest.status).toBe(403);
    const message = ((await viaRest.json()) as { error: { message: string } }).error.message;
    const viaRpc = await rpc()
      .getUsage({ key: "ops" }, { headers: { authorization: `Bearer ${TEAM}` } })
      .catch((error: unknown) => ConnectError.from(error));
    expect((viaRpc as ConnectError).code).toBe(Code.PermissionDenied);
    expect((viaRpc as ConnectError).rawMessage).toBe(message);
  });
});
