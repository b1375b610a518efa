import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Outcome } from "../server/core/end-hooks.ts";
import type { RequestInfo } from "../server/telemetry/hooks/telemetry-hooks.ts";
import { collect, HELLO, openaiClient, requestBuilders } from "./harness/openai-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

const { chat, streamed } = requestBuilders("mock-small");
const started: RequestInfo[] = [];
const ended: Array<{ outcome: Outcome; request: RequestInfo }> = [];
const errors: string[] = [];
let throwing = false;
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    config: { keys: [{ key: "sk-hooks", name: "embedder", team: "lib" }] },
    embedder: {
      hooks: {
        onRequestStart: (request) => {
          started.push(request);
          if (throwing) throw new Error("a broken hook");
        },
        onRequestEnd: (outcome, request) => {
          ended.push({ outcome, request });
          if (throwing) throw new Error("a broken hook");
        },
        onError: (error) => errors.push(error.code),
      },
    },
  });
});

afterAll(async () => {
  await gw?.close();
});

describe("telemetry hooks for embedders", () => {
  it("see a request start and end, with the key's name, tokens and latency", async () => {
    const answer = await openaiClient(gw, "sk-hooks").chat.completions.create(chat({ messages: HELLO }), {
      headers: { "x-request-id": "hooked-1" },
    });
    const end = ended.find((e) => e.request.requestId === "hooked-1");
    expect(started.find((s) => s.requestId === "hooked-1")).toMatchObject({ surface: "openai", key: "" });
    expect(end?.request).toMatchObject({ key: "embedder", team: "lib", model: "mock-small", stream: false });
    expect(end?.outcome.status).toBe("ok");
    expect(end?.outcome.usage?.completionTokens).toBe(answer.usage?.completion_tokens);
    expect(end?.outcome.latencyMs).toBeGreaterThan(0);
  });

  it("see a stream end once, after its last event, and a refusal through onError", async () => {
    await collect(
      await openaiClient(gw, "sk-hooks").chat.completions.create(streamed({ messages: HELLO }), {
        headers: { "x-request-id": "hooked-stream" },
      }),
    );
    expect(ended.filter((e) => e.request.requestId === "hooked-stream")).toHaveLength(1);
    await expect(
      openaiClient(gw, "sk-nope").chat.completions.create(chat({ messages: HELLO })),
    ).rejects.toMatchObject({
      status: 401,
    });
    expect(errors).toContain("unauthenticated");
  });

  it("never break a request when they throw", async () => {
    throwing = true;
    try {
      const answer = await openaiClient(gw, "sk-hooks").chat.completions.create(chat({ messages: HELLO }));
      expect(answer.choices[0]?.message.content).toBeTruthy();
    } finally {
      throwing = false;
    }
  });
});
