import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import type OpenAI from "openai";
import { BadRequestError } from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { ChatService, Role } from "../gen/llmgw/v1/chat_pb.js";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import {
  type Chunk,
  collect,
  failure,
  type GatewayMeta,
  HELLO,
  lastUpstream,
  meta,
  openaiClient,
  requestBuilders,
} from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * Per-request routing overrides and the routing metadata, through the real
 * `openai` SDK and connect-node clients against a real gateway and the mock
 * upstream: the overrides are the gateway's and never reach the upstream,
 * malformed ones are refused in the caller's error format, and every answer
 * says how it was routed.
 */

const { chat, streamed } = requestBuilders("mock-small");
const withoutUsage = requestBuilders("mock-small", { includeUsage: false });

/** What every answer served at once by the one mock deployment says of its routing. */
function expectServedFirstTry(gateway: GatewayMeta): void {
  expect(gateway).toMatchObject({ attempts: 1, fallback_used: false, deployment: "mock:mock-small" });
  expect(gateway.queue_ms).toBeGreaterThanOrEqual(0);
  // The strategy's name is the planner's to choose; the decision names the deployment chosen first.
  expect(typeof gateway.routing_decision?.strategy).toBe("string");
  expect(gateway.routing_decision?.strategy).not.toBe("");
  expect(gateway.routing_decision?.deployment).toBe("mock:mock-small");
}

describe("routing overrides and metadata", () => {
  let gw: TestGateway;
  let openai: OpenAI;

  useTestGateway({}, (started) => {
    gw = started;
    openai = openaiClient(gw);
  });
  beforeEach(() => {
    gw.mock.reset();
  });

  describe("over REST", () => {
    it("keeps the x-routing-strategy and x-prefer-provider body fields from the upstream", async () => {
      const completion = await openai.chat.completions.create(
        chat(
          { messages: HELLO },
          { tokens: 3 },
          { "x-routing-strategy": "weighted", "x-prefer-provider": "mock" },
        ),
        { headers: { "x-llmgw-strategy": "latency", "x-llmgw-fallback": "off", "x-llmgw-priority": "5" } },
      );
      expect(completion.choices[0]?.message.content).toBe("lorem ipsum dolor");
      const upstream = lastUpstream(gw);
      expect(upstream.path).toBe("/v1/chat/completions");
      expect(upstream.body).not.toHaveProperty("x-routing-strategy");
      expect(upstream.body).not.toHaveProperty("x-prefer-provider");
      // Other unmodeled fields still ride along: the mock obeyed its controls.
      expect(upstream.body.mock).toEqual({ tokens: 3 });
      for (const name of Object.keys(upstream.headers)) expect(name.startsWith("x-llmgw-")).toBe(false);
    });

    it("refuses x-llmgw-priority: abc with a 400 in OpenAI's format, before anything goes upstream", async () => {
      const error = await failure(
        openai.chat.completions.create(chat({ messages: HELLO }), { headers: { "x-llmgw-priority": "abc" } }),
      );
      expect(error).toBeInstanceOf(BadRequestError);
      const bad = error as BadRequestError;
      expect(bad.status).toBe(400);
      expect(bad.type).toBe("invalid_request_error");
      expect(bad.code).toBe("invalid_request");
      expect(bad.param).toBe("x-llmgw-priority");
      expect(bad.message).toContain("x-llmgw-priority must be an integer");
      expect(gw.mock.requests.filter((r) => r.path === "/v1/chat/completions")).toHaveLength(0);
    });

    it("refuses an x-llmgw-fallback other than off, false or 0, and a non-string body field", async () => {
      const fallback = await failure(
        openai.chat.completions.create(chat({ messages: HELLO }), {
          headers: { "x-llmgw-fallback": "sometimes" },
        }),
      );
      expect(fallback).toBeInstanceOf(BadRequestError);
      expect((fallback as BadRequestError).param).toBe("x-llmgw-fallback");

      const field = await failure(
        openai.chat.completions.create(chat({ messages: HELLO }, undefined, { "x-routing-strategy": 7 })),
      );
      expect(field).toBeInstanceOf(BadRequestError);
      expect((field as BadRequestError).param).toBe("x-routing-strategy");
    });

    it("lets browsers send the x-llmgw-* headers", async () => {
      const response = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "OPTIONS",
        headers: {
          origin: "http://app.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,x-llmgw-strategy,x-llmgw-priority",
        },
      });
      expect(response.status).toBe(204);
      const allowed = (response.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(", ");
      for (const name of [
        "x-llmgw-strategy",
        "x-llmgw-prefer-provider",
        "x-llmgw-fallback",
        "x-llmgw-priority",
      ])
        expect(allowed).toContain(name);
    });

    it("says how a unary answer was routed", async () => {
      const completion = await openai.chat.completions.create(chat({ messages: HELLO }));
      expectServedFirstTry(meta(completion));
    });

    it("says how a streamed answer was routed, on the usage chunk", async () => {
      const chunks = await collect(await openai.chat.completions.create(streamed({ messages: HELLO })));
      const last = chunks.at(-1) as Chunk;
      expect(last.usage).toBeTruthy();
      expectServedFirstTry(meta(last));
    });

    it("says how a streamed answer was routed, on the finish chunk when no usage chunk was asked for", async () => {
      const chunks = await collect(
        await openai.chat.completions.create(withoutUsage.streamed({ messages: HELLO })),
      );
      const last = chunks.at(-1) as Chunk;
      expect(last.choices[0]?.finish_reason).toBe("stop");
      expectServedFirstTry(meta(last));
    });
  });

  describe.each([
    { name: "gRPC (h2c)", transport: (baseUrl: string) => createGrpcTransport({ baseUrl }) },
    {
      name: "Connect over HTTP/1.1",
      transport: (baseUrl: string) => createConnectTransport({ baseUrl, httpVersion: "1.1" }),
    },
  ])("over RPC ($name)", ({ transport }) => {
    let client: Client<typeof ChatService>;
    beforeEach(() => {
      client ??= createClient(ChatService, transport(gw.url));
    });
    const message = (routing?: { strategy: string }) => ({
      chat: {
        model: "mock:mock-small",
        messages: [{ role: Role.USER, content: [{ part: { case: "text" as const, value: "Hello there" } }] }],
        routing,
      },
    });

    it("refuses a malformed x-llmgw-priority header when the message sets no hints", async () => {
      let error: ConnectError | undefined;
      try {
        await client.complete(message(), { headers: { "x-llmgw-priority": "abc" } });
      } catch (caught) {
        error = ConnectError.from(caught);
      }
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(error?.rawMessage).toContain("x-llmgw-priority");
    });

    it("lets the message's own hints win over the headers", async () => {
      const res = await client.complete(message({ strategy: "weighted" }), {
        headers: { "x-llmgw-priority": "abc" },
      });
      expect(res.choices).toHaveLength(1);
    });

    it("says how unary and streamed answers were routed", async () => {
      const res = await client.complete(message());
      expect(res.gateway).toMatchObject({ attempts: 1, fallbackUsed: false, deployment: "mock:mock-small" });
      expect(res.gateway?.routingDecision?.deployment).toBe("mock:mock-small");

      let report: typeof res.gateway;
      for await (const event of client.stream(message())) {
        if (event.event.case === "usage") report = event.event.value.gateway;
      }
      expect(report).toMatchObject({ attempts: 1, fallbackUsed: false, deployment: "mock:mock-small" });
      expect(report?.routingDecision?.deployment).toBe("mock:mock-small");
    });
  });
});
