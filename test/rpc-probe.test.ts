import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BudgetPeriod, BudgetService } from "../gen/llmgw/v1/budget_pb.js";
import { KeysService } from "../gen/llmgw/v1/keys_pb.js";
import { connectErrorOf } from "./harness/connect-error-of.ts";
import { grpcChatClient } from "./harness/grpc-chat-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * The typed RPC surface as a broken client or an attacker hits it: timeouts
 * past what a timer holds, a Connect GET whose base64 message is not base64,
 * and budget caps no budget store can count. Each must end in the right
 * Connect code, never `internal`, and never leave the gateway refusing calls.
 */

const ADMIN = "sk-probe-ops-0000001";
const USER = "sk-probe-app-0000001";
const DAY_MS = 86_400_000;

const chatJson = JSON.stringify({
  chat: { model: "mock:mock-small", messages: [{ role: "ROLE_USER", content: [{ text: "Hello" }] }] },
});

function chatRequests(g: TestGateway) {
  return g.mock.requests.filter((r) => r.path.endsWith("/chat/completions"));
}

describe("the RPC surface, probed", () => {
  let g: TestGateway;

  beforeAll(async () => {
    g = await startTestGateway({
      config: {
        keys: [
          { name: "ops", key: ADMIN, admin: true },
          { name: "app", key: USER },
        ],
        budgets: { global: [{ usd: 100, period: "day" }] },
      },
    });
  });
  afterAll(async () => {
    await g?.close();
  });

  /** A Connect unary POST over HTTP/1.1, as raw fetch sends it. */
  async function connectPost(path: string, body: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${g.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${USER}`, ...headers },
      body,
    });
    return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
  }

  it("refuses a Connect timeout past a timer's range as invalid_argument, not an instant deadline", async () => {
    g.mock.reset();
    // 30 days: a valid connect-timeout-ms (at most 10 digits), but past 2^31 - 1 ms.
    const long = await connectPost("/llmgw.v1.ChatService/Complete", chatJson, {
      "connect-timeout-ms": String(30 * DAY_MS),
    });
    expect(long.status).toBe(400);
    expect(long.body.code).toBe("invalid_argument");
    expect(long.body.message).toMatch(/timeout/);
    expect(chatRequests(g)).toHaveLength(0);
    // The longest a timer holds still runs.
    const longest = await connectPost("/llmgw.v1.ChatService/Complete", chatJson, {
      "connect-timeout-ms": String(2 ** 31 - 1),
    });
    expect(longest.status).toBe(200);
  });

  it("refuses a grpc-js deadline 30 days out with INVALID_ARGUMENT, not DEADLINE_EXCEEDED", async () => {
    const client = grpcChatClient(`127.0.0.1:${g.port}`);
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${USER}`);
    const call = (deadline: number) =>
      new Promise<ServiceError | null>((resolve) => {
        client.Complete(JSON.parse(chatJson), metadata, { deadline }, (error: ServiceError | null) =>
          resolve(error),
        );
      });
    try {
      g.mock.reset();
      const error = await call(Date.now() + 30 * DAY_MS);
      expect(error?.code).toBe(status.INVALID_ARGUMENT);
      expect(chatRequests(g)).toHaveLength(0);
      // A day is well inside a timer's range and is honoured.
      expect(await call(Date.now() + DAY_MS)).toBeNull();
    } finally {
      client.close();
    }
  });

  it("answers a Connect GET whose base64 message is not base64 with invalid_argument", async () => {
    const res = await fetch(
      `${g.url}/llmgw.v1.ModelsService/ListModels?encoding=proto&base64=1&message=%21%21%21`,
      { headers: { authorization: `Bearer ${USER}` } },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("invalid_argument");
  });

  it("refuses budget caps no budget store can count, and calls keep working", async () => {
    const transport = createGrpcTransport({ baseUrl: g.url });
    const headers = { authorization: `Bearer ${ADMIN}` };
    const budgets = createClient(BudgetService, transport);
    for (const caps of [{ usd: Number.POSITIVE_INFINITY }, { usd: 1e308 }, { tokens: 2n ** 64n - 1n }]) {
      const error = await connectErrorOf(
        budgets.setBudget({ scope: "global", period: BudgetPeriod.DAY, ...caps }, { headers }),
      );
      expect(error.code, JSON.stringify(String(Object.values(caps)[0]))).toBe(Code.InvalidArgument);
    }
    const keys = createClient(KeysService, transport);
    const error = await connectErrorOf(
      keys.createKey(
        {
          name: "probe-huge-budget",
          settings: { budgetsSet: true, budgets: [{ usd: 1e308, period: BudgetPeriod.DAY }] },
        },
        { headers },
      ),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    // The global budget still holds its configured cap, and calls are still admitted.
    const listed = await budgets.listBudgets({}, { headers });
    expect(listed.budgets.find((b) => b.scope === "global")?.limit).toBe(100);
    expect((await connectPost("/llmgw.v1.ChatService/Complete", chatJson)).status).toBe(200);
  });
  it("refuses a role number the proto does not define, and a logit_bias that is not token ids", async () => {
    g.mock.reset();
    const role = await connectPost(
      "/llmgw.v1.ChatService/Complete",
      JSON.stringify({
        chat: { model: "mock:mock-small", messages: [{ role: 99, content: [{ text: "Hi" }] }] },
      }),
    );
    expect(role.status).toBe(400);
    expect(role.body.code).toBe("invalid_argument");
    expect(role.body.message).toMatch(/role/);
    const bias = await connectPost(
      "/llmgw.v1.ChatService/Complete",
      JSON.stringify({ chat: { ...JSON.parse(chatJson).chat, logitBias: { abc: 500 } } }),
    );
    expect(bias.status).toBe(400);
    expect(bias.body.code).toBe("invalid_argument");
    expect(bias.body.message).toMatch(/logit_bias/);
    expect(chatRequests(g)).toHaveLength(0);
  });
});
