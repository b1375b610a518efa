import { createServer } from "node:net";
import { create, type JsonObject, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { type Client, Code, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type ChatRequestSchema,
  ChatService,
  CompleteRequestSchema,
  FinishReason,
  Role,
  type StreamResponse,
} from "../gen/llmgw/v1/chat_pb.js";
import { ErrorDetailSchema } from "../gen/llmgw/v1/error_pb.js";
import { GetModelRequestSchema, ModelSource, ModelsService } from "../gen/llmgw/v1/models_pb.js";
import { UsageService } from "../gen/llmgw/v1/usage_pb.js";
import { connectErrorOf } from "./harness/connect-error-of.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * The real connect-node clients, over every protocol the one port speaks:
 * gRPC (h2c prior knowledge), gRPC-Web over HTTP/1.1 and Connect over
 * HTTP/1.1 and HTTP/2, each against a real gateway in front of the mock upstream.
 */

type ChatInit = MessageInitShape<typeof ChatRequestSchema>;

/** What a test may set beside the one user message. */
interface ChatMore {
  model?: string;
  tools?: Array<{ name: string; description?: string; parameters?: JsonObject }>;
  extra?: JsonObject;
}

const API_KEY = "sk-connect-test-key-1";

interface Protocol {
  readonly name: string;
  readonly transport: (baseUrl: string) => Transport;
}

const protocols: Protocol[] = [
  { name: "gRPC (h2c)", transport: (baseUrl) => createGrpcTransport({ baseUrl }) },
  {
    name: "gRPC-Web over HTTP/1.1",
    transport: (baseUrl) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
  },
  {
    name: "Connect over HTTP/1.1",
    transport: (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1" }),
  },
  {
    name: "Connect over HTTP/2",
    transport: (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "2" }),
  },
];

function chat(text: string, more: ChatMore = {}): ChatInit {
  return {
    model: "mock:mock-small",
    messages: [{ role: Role.USER, content: [{ part: { case: "text", value: text } }] }],
    ...more,
  };
}

/** Chat completions the mock upstream received (start-up model discovery excluded). */
function chatRequests(g: TestGateway) {
  return g.mock.requests.filter((r) => r.path === "/v1/chat/completions");
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

let gw: TestGateway;
let keyed: TestGateway;
let small: TestGateway;
let unreachable: TestGateway;

beforeAll(async () => {
  const deadPort = await closedPort();
  [gw, keyed, small, unreachable] = await Promise.all([
    startTestGateway(),
    startTestGateway({ config: { keys: [{ name: "team-a", key: API_KEY }] } }),
    startTestGateway({ config: { server: { body_limit_bytes: 2048 } } }),
    startTestGateway({
      config: {
        providers: [
          {
            name: "dead",
            base_url: `http://127.0.0.1:${deadPort}/v1`,
            models: ["ghost"],
            discover: false,
            connect_timeout_ms: 1_000,
          },
        ],
      },
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([gw, keyed, small, unreachable].map((g) => g?.close()));
});

describe.each(protocols)("connect-node over $name", ({ transport }) => {
  let chatClient: Client<typeof ChatService>;
  let models: Client<typeof ModelsService>;
  let usage: Client<typeof UsageService>;
  beforeAll(() => {
    const t = transport(gw.url);
    chatClient = createClient(ChatService, t);
    models = createClient(ModelsService, t);
    usage = createClient(UsageService, t);
  });

  it("completes a chat with text, token usage and gateway metadata", async () => {
    const res = await chatClient.complete({ chat: chat("Hello there, mock upstream!") });
    expect(res.id).not.toBe("");
    expect(res.choices).toHaveLength(1);
    const choice = res.choices[0];
    expect(choice?.message?.role).toBe(Role.ASSISTANT);
    const text = choice?.message?.content.map((p) => (p.part.case === "text" ? p.part.value : "")).join("");
    expect(text?.length).toBeGreaterThan(0);
    expect(choice?.finishReason).toBe(FinishReason.STOP);
    expect(res.usage?.completionTokens).toBe(16);
    expect(res.usage?.promptTokens).toBeGreaterThan(0);
    expect(res.usage?.totalTokens).toBe((res.usage?.promptTokens ?? 0) + (res.usage?.completionTokens ?? 0));
    expect(res.gateway?.provider).toBe("mock");
    expect(res.gateway?.model).toBe("mock-small");
    expect(res.gateway?.requestId).not.toBe("");
    expect(res.gateway?.latencyMs).toBeGreaterThan(0);
  });

  it("streams deltas, then a finish, then exactly one usage event last with gateway metadata", async () => {
    const events: StreamResponse[] = [];
    for await (const ev of chatClient.stream({ chat: chat("Stream to me, please.") })) events.push(ev);
    const kinds = events.map((e) => e.event.case);
    const firstFinish = kinds.indexOf("finish");
    expect(kinds.filter((k) => k === "delta").length).toBeGreaterThan(0);
    expect(firstFinish).toBeGreaterThan(kinds.lastIndexOf("delta"));
    expect(kinds.filter((k) => k === "usage")).toHaveLength(1);
    expect(kinds.at(-1)).toBe("usage");
    expect(kinds.slice(firstFinish, -1).every((k) => k === "finish")).toBe(true);
    const text = events.map((e) => (e.event.case === "delta" ? e.event.value.text : "")).join("");
    expect(text.length).toBeGreaterThan(0);
    const finish = events[firstFinish]?.event;
    expect(finish?.case === "finish" && finish.value.reason).toBe(FinishReason.STOP);
    const last = events.at(-1)?.event;
    if (last?.case !== "usage") throw new Error("the last event is not usage");
    expect(last.value.usage?.completionTokens).toBe(16);
    expect(last.value.gateway?.provider).toBe("mock");
    expect(last.value.gateway?.model).toBe("mock-small");
    expect(last.value.gateway?.requestId).not.toBe("");
    const ids = new Set(events.map((e) => e.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).not.toBe("");
  });

  it("streams a tool call whose argument fragments assemble to valid JSON", async () => {
    const events: StreamResponse[] = [];
    const request = chat("What is the weather? [[call_tool]]", {
      tools: [
        {
          name: "get_weather",
          description: "Current weather for a city",
          parameters: {
            type: "object",
            properties: { city: { type: "string" } },
            required: ["city"],
          },
        },
      ],
    });
    for await (const ev of chatClient.stream({ chat: request })) events.push(ev);
    const fragments = events.flatMap((e) => (e.event.case === "toolCall" ? [e.event.value] : []));
    expect(fragments.length).toBeGreaterThan(1);
    expect(fragments[0]?.name).toBe("get_weather");
    expect(fragments[0]?.id).not.toBe("");
    expect(fragments.every((f) => f.index === 0)).toBe(true);
    const args = fragments.map((f) => f.arguments).join("");
    expect(JSON.parse(args)).toEqual({ city: "Paris" });
    const finish = events.find((e) => e.event.case === "finish")?.event;
    expect(finish?.case === "finish" && finish.value.reason).toBe(FinishReason.TOOL_CALLS);
    expect(events.at(-1)?.event.case).toBe("usage");
    // The tool's JSON Schema reached the upstream as a JSON object.
    const sent = gw.mock.requests.at(-1)?.body as { tools?: Array<{ function: { parameters: unknown } }> };
    expect(sent.tools?.[0]?.function.parameters).toEqual({
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
    });
  });

  it("lists configured and discovered models and describes one", async () => {
    const list = await models.listModels({});
    const ids = list.models.map((m) => m.id);
    expect(ids).toContain("mock:mock-small");
    expect(ids).toEqual([...ids].sort());
    const large = list.models.find((m) => m.id === "mock:mock-large");
    expect(large?.source).toBe(ModelSource.DISCOVERED);
    expect(large?.provider).toBe("mock");
    expect(large?.upstreamModel).toBe("mock-large");
    const one = await models.getModel({ id: "mock:mock-large" });
    expect(one.model?.id).toBe("mock:mock-large");
    expect(one.model?.ownedBy).toBe("mock");
  });

  it("answers GetModel of an unknown id with NotFound", async () => {
    const err = await connectErrorOf(models.getModel({ id: "mock:no-such-model" }));
    expect(err.code).toBe(Code.NotFound);
    expect(err.findDetails(ErrorDetailSchema)[0]?.code).toBe("model_not_found");
  });

  it("reports ledger rows for the requests it served", async () => {
    await chatClient.complete({ chat: chat("Count me in the ledger.") });
    await vi.waitFor(
      async () => {
        const res = await usage.getUsage({ provider: "mock" });
        const row = res.rows.find((r) => r.model === "mock-small");
        expect(row?.requests).toBeGreaterThan(0n);
        expect(row?.completionTokens).toBeGreaterThan(0n);
        expect(row?.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      },
      { timeout: 3_000, interval: 100 },
    );
  });

  it("rejects a chat without a model as InvalidArgument with an invalid_request detail", async () => {
    const err = await connectErrorOf(chatClient.complete({ chat: chat("hi", { model: "" }) }));
    expect(err.code).toBe(Code.InvalidArgument);
    const [detail] = err.findDetails(ErrorDetailSchema);
    expect(detail?.code).toBe("invalid_request");
    expect(detail?.retryable).toBe(false);
    expect(detail?.requestId).not.toBe("");
  });

  it("answers an unknown provider with NotFound", async () => {
    const err = await connectErrorOf(chatClient.complete({ chat: chat("hi", { model: "nope:x" }) }));
    expect(err.code).toBe(Code.NotFound);
    expect(err.findDetails(ErrorDetailSchema)[0]?.code).toBe("model_not_found");
  });

  it("answers an unreachable upstream with Unavailable, retryable, naming the provider", async () => {
    const client = createClient(ChatService, transport(unreachable.url));
    const err = await connectErrorOf(client.complete({ chat: chat("hi", { model: "dead:ghost" }) }));
    expect(err.code).toBe(Code.Unavailable);
    const [detail] = err.findDetails(ErrorDetailSchema);
    expect(detail?.code).toBe("upstream_unavailable");
    expect(detail?.retryable).toBe(true);
    expect(detail?.provider).toBe("dead");
  });

  it("answers a message over the body limit with ResourceExhausted", async () => {
    const client = createClient(ChatService, transport(small.url));
    const err = await connectErrorOf(client.complete({ chat: chat("x".repeat(10_000)) }));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(chatRequests(small)).toHaveLength(0);
  });

  it("requires an API key when keys are configured and accepts one as a Bearer token", async () => {
    const client = createClient(ChatService, transport(keyed.url));
    const missing = await connectErrorOf(client.complete({ chat: chat("hi") }));
    expect(missing.code).toBe(Code.Unauthenticated);
    expect(missing.findDetails(ErrorDetailSchema)[0]?.code).toBe("unauthenticated");
    const wrong = await connectErrorOf(
      client.complete({ chat: chat("hi") }, { headers: { authorization: "Bearer sk-wrong-key-123" } }),
    );
    expect(wrong.code).toBe(Code.Unauthenticated);
    const res = await client.complete(
      { chat: chat("hi") },
      { headers: { authorization: `Bearer ${API_KEY}` } },
    );
    expect(res.gateway?.provider).toBe("mock");
    const viaApiKey = await client.complete({ chat: chat("hi") }, { headers: { "x-api-key": API_KEY } });
    expect(viaApiKey.choices).toHaveLength(1);
  });

  it("aborts the upstream request when the caller aborts the stream", async () => {
    gw.mock.reset();
    const controller = new AbortController();
    const request = chat("A long answer, please.", { extra: { mock: { itl_ms: 50, tokens: 200 } } });
    const seen: StreamResponse[] = [];
    const err = await connectErrorOf(
      (async () => {
        try {
          for await (const ev of chatClient.stream({ chat: request }, { signal: controller.signal })) {
            seen.push(ev);
            if (seen.length === 2) controller.abort();
          }
        } finally {
          controller.abort();
        }
      })(),
    );
    expect(err.code).toBe(Code.Canceled);
    expect(seen).toHaveLength(2);
    const upstream = await gw.mock.waitForAbort(3_000);
    expect(upstream.aborted).toBe(true);
    expect(upstream.path).toBe("/v1/chat/completions");
  });

  it("fails with DeadlineExceeded when the call's deadline passes and aborts the upstream", async () => {
    gw.mock.reset();
    const started = Date.now();
    const err = await connectErrorOf(
      chatClient.complete(
        { chat: chat("Slow start.", { extra: { mock: { ttft_ms: 3_000 } } }) },
        { timeoutMs: 300 },
      ),
    );
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(2_500);
    const upstream = await gw.mock.waitForAbort(3_000);
    expect(upstream.aborted).toBe(true);
  });
});

describe("Connect JSON protocol with raw bytes", () => {
  it("rejects a body that is not valid UTF-8 with a Connect invalid_argument error", async () => {
    gw.mock.reset();
    const prefix = Buffer.from(
      '{"chat":{"model":"mock:mock-small","messages":[{"role":"ROLE_USER","content":[{"text":"',
    );
    const suffix = Buffer.from('"}]}]}}');
    const body = Buffer.concat([prefix, Buffer.from([0xff, 0xfe, 0xc3, 0x28]), suffix]);
    const response = await fetch(`${gw.url}/llmgw.v1.ChatService/Complete`, {
      method: "POST",
      headers: { "content-type": "application/json", "connect-protocol-version": "1" },
      body,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/json");
    const json = (await response.json()) as { code: string; message?: string };
    expect(json.code).toBe("invalid_argument");
    expect(chatRequests(gw)).toHaveLength(0);
  });

  it("rejects a binary protobuf body with invalid UTF-8 as invalid_argument, not internal", async () => {
    gw.mock.reset();
    const valid = toBinary(
      CompleteRequestSchema,
      create(CompleteRequestSchema, {
        chat: {
          model: "mock:mock-small",
          messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "XXXX" } }] }],
        },
      }),
    );
    const at = Buffer.from(valid).indexOf("XXXX");
    const corrupt = Buffer.from(valid);
    corrupt.set([0xff, 0xfe, 0xc3, 0x28], at);
    const send = (path: string, body: Buffer<ArrayBuffer>) =>
      fetch(`${gw.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/proto", "connect-protocol-version": "1" },
        body,
      });
    const chat = await send("/llmgw.v1.ChatService/Complete", corrupt);
    expect(chat.status).toBe(400);
    expect(((await chat.json()) as { code: string }).code).toBe("invalid_argument");
    expect(chatRequests(gw)).toHaveLength(0);

    const id = Buffer.from(toBinary(GetModelRequestSchema, create(GetModelRequestSchema, { id: "YYYY" })));
    id.set([0xff, 0xfe, 0xc3, 0x28], id.indexOf("YYYY"));
    const model = await send("/llmgw.v1.ModelsService/GetModel", id);
    expect(((await model.json()) as { code: string }).code).toBe("invalid_argument");
  });
});
