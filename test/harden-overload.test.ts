import { connect } from "node:net";
import Anthropic from "@anthropic-ai/sdk";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelsService } from "../gen/llmgw/v1/models_pb.js";
import { rejection } from "./harness/rejection.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * The overload guard: past `max_in_flight` concurrent requests, a new one gets
 * a 503 with Retry-After at once, in its caller's format, and the admitted
 * ones complete. Past `max_connections`, a new connection is told 503 and closed.
 */

const KEY = "sk-overload-test-key";
const IN_FLIGHT = 3;
const CONNECTIONS = 6;
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    config: {
      keys: [{ name: "app", key: KEY }],
      overload: { max_in_flight: IN_FLIGHT, retry_after_s: 2 },
    },
  });
});
afterAll(async () => {
  await gw.close();
});

const openai = () => new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });

/** Streams that hold their slot for about a second (20 tokens, 50 ms apart). */
async function holdSlots(n: number): Promise<Array<Promise<string>>> {
  const client = openai();
  const streams = await Promise.all(
    Array.from({ length: n }, () =>
      client.chat.completions.create({
        model: "mock:mock-small",
        messages: [{ role: "user", content: "slow please" }],
        stream: true as const,
        mock: { tokens: 20, itl_ms: 50 },
      } as OpenAI.Chat.ChatCompletionCreateParamsStreaming),
    ),
  );
  return streams.map(async (stream) => {
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    return text;
  });
}

describe("the overload guard", () => {
  it("sheds past max_in_flight at once, in every caller's format, while admitted streams complete", async () => {
    const admitted = await holdSlots(IN_FLIGHT);

    const started = performance.now();
    const shed = await rejection(
      openai().chat.completions.create({
        model: "mock:mock-small",
        messages: [{ role: "user", content: "hi" }],
      }),
      (e) => e as InstanceType<typeof OpenAI.APIError>,
    );
    expect(shed).toBeInstanceOf(OpenAI.InternalServerError);
    expect(shed.status).toBe(503);
    expect(shed.headers?.get("retry-after")).toBe("2");
    expect((shed.error as { type?: string }).type).toBe("service_unavailable");
    expect(performance.now() - started).toBeLessThan(500);

    const anthropic = new Anthropic({ apiKey: KEY, baseURL: gw.url, maxRetries: 0 });
    const refused = await rejection(
      anthropic.messages.create({
        model: "mock:mock-small",
        max_tokens: 5,
        messages: [{ role: "user", content: "hi" }],
      }),
      (e) => e as InstanceType<typeof Anthropic.APIError>,
    );
    // Anthropic's own status for overloaded_error.
    expect(refused.status).toBe(529);
    expect(refused.headers?.get("retry-after")).toBe("2");
    expect((refused.error as { error?: { type?: string } }).error?.type).toBe("overloaded_error");

    const grpc = createClient(ModelsService, createGrpcTransport({ baseUrl: gw.url }));
    const unavailable = await rejection(
      grpc.listModels({}, { headers: { authorization: `Bearer ${KEY}` } }),
      ConnectError.from,
    );
    expect(unavailable.code).toBe(Code.Unavailable);
    expect(unavailable.metadata.get("retry-after")).toBe("2");

    // Liveness and metrics are never shed: a busy gateway is not a dead one.
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain(`llmgw_overload_in_flight ${IN_FLIGHT}`);
    expect(metrics).toContain('llmgw_overload_shed_total{reason="in_flight"} 3');
    // Nothing shed reached the upstream: only the admitted streams did.
    expect(gw.mock.requests.filter((r) => r.path.endsWith("/chat/completions"))).toHaveLength(IN_FLIGHT);

    const texts = await Promise.all(admitted);
    for (const text of texts) expect(text.length).toBeGreaterThan(0);
    // Slots come back as the streams end.
    const after = await openai().chat.completions.create({
      model: "mock:mock-small",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(after.choices[0]?.message.content).toBeTruthy();
  });

  it("tells a connection over max_connections 503 and closes it, and serves again once they go", async () => {
    // A gateway of its own, so that no keep-alive connection of another case counts.
    const own = await startTestGateway({ config: { overload: { max_connections: CONNECTIONS } } });
    const port = own.port;
    const sockets = await Promise.all(
      Array.from(
        { length: CONNECTIONS },
        () =>
          new Promise<ReturnType<typeof connect>>((resolve) => {
            const socket = connect(port, "127.0.0.1", () => resolve(socket));
          }),
      ),
    );
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1", () =>
        socket.write("GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n"),
      );
      let text = "";
      socket.on("data", (d) => {
        text += d.toString();
      });
      socket.on("error", () => {});
      socket.on("close", () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/retry-after: 1/i);
    expect(answer).toContain('"code":"unavailable"');
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await fetch(`${own.url}/health`)).status).toBe(200);
    await own.close();
  });
});
