import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestEvent } from "../server/telemetry/hooks/webhook-sink.ts";
import { HELLO, openaiClient, requestBuilders } from "./harness/openai-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

const SECRET = "webhook-secret-0123456789";
const { chat } = requestBuilders("mock-small");

interface Received {
  readonly body: string;
  readonly signature: string;
}

const received: Received[] = [];
/** The first POST is refused with a 503, so the sink's retry is exercised. */
let refuseNext = true;
let receiver: Server;
let gw: TestGateway;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (refuseNext) {
        refuseNext = false;
        res.writeHead(503).end();
        return;
      }
      received.push({
        body: Buffer.concat(chunks).toString("utf8"),
        signature: String(req.headers["x-llmgw-signature"]),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const { port } = receiver.address() as AddressInfo;
  gw = await startTestGateway({
    config: {
      keys: [{ key: "sk-webhook-key", name: "hooked", team: "t" }],
      telemetry: {
        webhooks: [
          { url: `http://127.0.0.1:${port}/events`, secret: SECRET, batch_size: 3, flush_interval_ms: 400 },
        ],
      },
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

const events = () => received.flatMap((r) => (JSON.parse(r.body) as { events: RequestEvent[] }).events);

describe("request webhooks", () => {
  it("post every request's end in signed batches, retrying a refused delivery", async () => {
    const client = openaiClient(gw, "sk-webhook-key");
    await Promise.all(
      [0, 1, 2, 3].map((i) =>
        client.chat.completions.create(chat({ messages: HELLO }), { headers: { "x-request-id": `wh-${i}` } }),
      ),
    );
    await expect.poll(() => events().length, { timeout: 5_000, interval: 20 }).toBe(4);
    // Three in the first batch (batch_size), the fourth after flush_interval_ms.
    expect(received.map((r) => (JSON.parse(r.body) as { events: unknown[] }).events.length).sort()).toEqual([
      1, 3,
    ]);
    for (const { body, signature } of received)
      expect(signature).toBe(`sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`);
    expect(
      events()
        .map((e) => e.requestId)
        .sort(),
    ).toEqual(["wh-0", "wh-1", "wh-2", "wh-3"]);
    expect(events()[0]).toMatchObject({
      surface: "openai",
      key: "hooked",
      team: "t",
      provider: "mock",
      model: "mock-small",
      deployment: "mock:mock-small",
      status: "ok",
      attempts: 1,
    });
    expect(events()[0]?.completionTokens).toBeGreaterThan(0);
    expect(JSON.stringify(events())).not.toContain("sk-webhook-key");
  });
});
