import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatService, Role } from "../gen/llmgw/v1/chat_pb.js";
import { type RunningGateway, startGateway } from "../server/app.ts";
import { parseConfig } from "../server/config/load-config.ts";

/**
 * A finished stream gives its upstream connection back to the pool, however the caller's call ends.
 * The upstream here says `[DONE]` a moment before it ends its body, so the gateway is still reading the
 * last bytes when its caller's call completes (an RPC's signal fires at that moment).
 */
describe("upstream keep-alive after a stream", () => {
  let upstream: Server;
  let connections = 0;
  let gw: RunningGateway;
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        const chunk = (body: object) =>
          res.write(
            `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", model: "m", ...body })}\n\n`,
          );
        chunk({ choices: [{ index: 0, delta: { role: "assistant", content: "hi" } }] });
        chunk({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
        chunk({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
        res.write("data: [DONE]\n\n");
        setTimeout(() => res.end(), 15);
      });
    });
    upstream.on("connection", () => connections++);
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const port = (upstream.address() as { port: number }).port;
    const config = parseConfig({
      server: { port: 0 },
      providers: [{ name: "u", base_url: `http://127.0.0.1:${port}/v1`, models: ["m"], discover: false }],
      usage: { path: join(mkdtempSync(join(tmpdir(), "llmgw-keepalive-")), "ledger.db") },
    });
    gw = await startGateway(config, pino({ level: "silent" }));
  });
  afterAll(async () => {
    await gw.close(100);
    upstream.close();
  });

  const settle = () => new Promise((resolve) => setTimeout(resolve, 40));

  it("over gRPC: ten streams in a row share one upstream connection", async () => {
    const client = createClient(ChatService, createGrpcTransport({ baseUrl: gw.url }));
    await settle();
    connections = 0;
    for (let i = 0; i < 10; i++) {
      const chat = {
        model: "u:m",
        messages: [{ role: Role.USER, content: [{ part: { case: "text" as const, value: "hi" } }] }],
      };
      for await (const _ of client.stream({ chat }));
      await settle();
    }
    expect(connections).toBeLessThanOrEqual(1);
  });

  it("over REST: the same", async () => {
    await settle();
    connections = 0;
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "u:m", stream: true, messages: [{ role: "user", content: "hi" }] }),
      });
      await response.text();
      await settle();
    }
    expect(connections).toBeLessThanOrEqual(1);
  });
});
