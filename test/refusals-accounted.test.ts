import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatService, Role } from "../gen/llmgw/v1/chat_pb.js";
import { requestCount } from "./harness/observe.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

const ADMIN = "sk-admin-key-0001";
const BODY_LIMIT = 4_096;

interface UsageRow {
  key: string;
  model: string;
  requests: number;
  errors: number;
}

/**
 * A request the gateway refuses (a bad key, a malformed body, one over the
 * size limit) is still a request: it gets a ledger row and a count in
 * `llmgw_requests_total`, whichever surface it came in on.
 */
describe("refused requests are accounted", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      config: {
        keys: [{ name: "ops", key: ADMIN, admin: true }],
        server: { body_limit_bytes: BODY_LIMIT },
      },
    });
  });
  afterAll(async () => {
    await gw.close();
  });

  async function errorsFor(model: string): Promise<number> {
    const response = await fetch(`${gw.url}/v1/usage?model=${model}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const rows = ((await response.json()) as { data: UsageRow[] }).data;
    return rows.reduce((n, r) => n + r.errors, 0);
  }

  function post(body: string, headers: Record<string, string> = {}) {
    return fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}`, ...headers },
      body,
    });
  }

  it("over REST: a bad key, malformed JSON and an oversized body", async () => {
    const chat = JSON.stringify({ model: "refused-rest", messages: [{ role: "user", content: "hi" }] });
    expect((await post(chat, { authorization: "Bearer sk-wrong-key-000" })).status).toBe(401);
    expect((await post("{not json")).status).toBe(400);
    expect((await post(JSON.stringify({ model: "x", pad: "a".repeat(BODY_LIMIT * 2) }))).status).toBe(413);

    expect(await requestCount(gw, "openai", "unauthenticated")).toBe(1);
    expect(await requestCount(gw, "openai", "invalid_request")).toBe(1);
    expect(await requestCount(gw, "openai", "payload_too_large")).toBe(1);
    // The bad key's body was never read, so its row has no model; the others had none to read.
    expect(await errorsFor("")).toBeGreaterThanOrEqual(3);
  });

  it("over RPC: a bad key (gRPC), malformed JSON and an oversized body (Connect)", async () => {
    const grpc = createClient(ChatService, createGrpcTransport({ baseUrl: gw.url }));
    const refused = await grpc
      .complete(
        {
          chat: {
            model: "refused-rpc",
            messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hi" } }] }],
          },
        },
        { headers: { authorization: "Bearer sk-wrong-key-000" } },
      )
      .catch((error: unknown) => error);
    expect(ConnectError.from(refused).code).toBe(Code.Unauthenticated);

    const connect = (body: string) =>
      fetch(`${gw.url}/llmgw.v1.ChatService/Complete`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
        body,
      });
    expect((await connect("{not json")).status).toBe(400);
    const big = await connect(JSON.stringify({ chat: { model: "x", user: "a".repeat(BODY_LIMIT * 2) } }));
    expect((await big.json()) as { code: string }).toMatchObject({ code: "resource_exhausted" });

    expect(await requestCount(gw, "rpc", "unauthenticated")).toBe(1);
    expect(await requestCount(gw, "rpc", "invalid_request")).toBe(1);
    expect(await requestCount(gw, "rpc", "payload_too_large")).toBe(1);
  });

  it("and an answered RPC is accounted with its model, as before", async () => {
    const connect = createClient(
      ChatService,
      createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1" }),
    );
    const reply = await connect.complete(
      {
        chat: {
          model: "mock-small",
          messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hi" } }] }],
        },
      },
      { headers: { authorization: `Bearer ${ADMIN}` } },
    );
    expect(reply.gateway?.provider).toBe("mock");
    expect(await requestCount(gw, "rpc", "ok")).toBe(1);
  });
});
