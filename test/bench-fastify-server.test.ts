import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fastifyPortServer } from "../bench/fastify-port-server.ts";
import { ModelsService } from "../gen/llmgw/v1/models_pb.js";
import { parseConfig } from "../server/config/load-config.ts";
import { rejection } from "./harness/rejection.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * The fastify target of bench/server-compare.ts serves the gateway's own
 * pipeline: what a client gets through it is what it gets from the one-port
 * server (auth, chat unary and streamed, the Connect services), with
 * @fastify/helmet's headers. The fastify figures are only worth reading if
 * this holds.
 */

const KEY = "sk-fastify-bench-key";
let gw: TestGateway;
beforeAll(async () => {
  const server = parseConfig({}).server;
  gw = await startTestGateway({
    config: { keys: [{ name: "app", key: KEY }], security_headers: { enabled: false } },
    embedder: { server: (handler, services) => fastifyPortServer(handler, services, { server }) },
  });
});
afterAll(async () => {
  await gw.close();
});

describe("the gateway behind fastify (bench/fastify-port-server.ts)", () => {
  it("answers the openai SDK, unary and streamed, through the pipeline, with helmet's headers", async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: "mock:mock-small", messages: [{ role: "user", content: "hi" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toMatch(/\w+/);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none';frame-ancestors 'none'");
    const stream = await client.chat.completions.create({
      model: "mock:mock-small",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(data.choices[0]?.message.content);
  });

  it("refuses a wrong key in OpenAI's format, as the pipeline's auth does", async () => {
    const bad = new OpenAI({ apiKey: "sk-wrong-key-123", baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const error = await bad.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("serves the Connect services through connect-fastify, with the gateway's RPC gate", async () => {
    const client = createClient(
      ModelsService,
      createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1" }),
    );
    const models = await client.listModels({}, { headers: { authorization: `Bearer ${KEY}` } });
    expect(models.models.map((m) => m.id).join(" ")).toMatch(/mock-small/);
    const error = await rejection(client.listModels({}), ConnectError.from);
    expect(error.code).toBe(Code.Unauthenticated);
  });
});
