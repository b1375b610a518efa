import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type OpenAI from "openai";
import { APIError } from "openai";
import { describe, expect, it } from "vitest";
import { ChatService, Role } from "../gen/llmgw/v1/chat_pb.js";
import { ErrorDetailSchema } from "../gen/llmgw/v1/error_pb.js";
import { sseFramer } from "../server/providers/sse-framer.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import {
  collect,
  failure,
  HELLO,
  openaiClient,
  requestBuilders,
  type SharedMockControls,
  textOf,
} from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The per-provider caps on what an upstream may send back: `max_response_bytes` for a whole unary
 * answer and `max_event_bytes` for one stream event. The mock's `pad_bytes` control pads an answer (or
 * a stream's last content frame) with JSON whitespace, generated as it is written, so a huge answer
 * is cheap to send and still valid JSON. Over a cap the gateway stops reading at once (the mock sees
 * the request aborted) and fails with the non-retryable `upstream_response_too_large`; under it the
 * answer is served as usual.
 */

interface Controls extends SharedMockControls {
  pad_bytes?: number;
}

const MAX_RESPONSE = 1024 * 1024;
const MAX_EVENT = 64 * 1024;
/** Far over the cap: read whole, it would take the gateway many times the cap in memory. */
const HUGE = 64 * 1024 * 1024;
const OLLAMA_MODEL = "llama3.2:latest";

const caps = { max_response_bytes: MAX_RESPONSE, max_event_bytes: MAX_EVENT };

let gw: TestGateway;
let openai: OpenAI;

useTestGateway(
  {
    mock: { models: ["mock-small", OLLAMA_MODEL] },
    config: (url) => ({
      providers: [
        { name: "mock", base_url: `${url}/v1`, models: ["mock-small"], ...caps },
        { name: "local", type: "ollama", base_url: url, models: [OLLAMA_MODEL], ...caps },
      ],
    }),
  },
  (started) => {
    gw = started;
    openai = openaiClient(started);
  },
);

const cases = [
  { adapter: "OpenAI-compatible", builders: requestBuilders<Controls>("mock:mock-small") },
  { adapter: "Ollama (NDJSON)", builders: requestBuilders<Controls>(`local:${OLLAMA_MODEL}`) },
];

/** Expects the REST error of an answer over a cap, naming the config field. */
function expectTooLarge(error: unknown, field: string): void {
  expect(error).toBeInstanceOf(APIError);
  const apiError = error as APIError;
  expect(apiError.message).toContain(field);
  expect(apiError.code).toBe("upstream_response_too_large");
  expect(apiError.type).toBe("server_error");
}

describe.each(cases)("$adapter adapter", ({ builders: { chat, streamed } }) => {
  it("fails a unary answer over max_response_bytes fast, stops reading it, and serves the next call", async () => {
    gw.mock.reset();
    const started = Date.now();
    const error = await failure(
      openai.chat.completions.create(chat({ messages: HELLO }, { pad_bytes: HUGE })),
    );
    expectTooLarge(error, "max_response_bytes");
    expect((error as APIError).status).toBe(502);
    // The gateway hung up long before the 64 MiB were sent, and did not retry.
    expect((await gw.mock.waitForAbort(5_000)).aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(gw.mock.requests.filter((r) => r.method === "POST")).toHaveLength(1);

    const next = await openai.chat.completions.create(chat({ messages: HELLO }, { tokens: 2 }));
    expect(next.choices[0]?.message.content).toBe("lorem ipsum");
  });

  it("serves a unary answer just under max_response_bytes", async () => {
    const completion = await openai.chat.completions.create(
      chat({ messages: HELLO }, { tokens: 2, pad_bytes: MAX_RESPONSE - 4096 }),
    );
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum");
  });

  it("ends a stream whose event is over max_event_bytes with an error event, after the events before it", async () => {
    gw.mock.reset();
    const stream = await openai.chat.completions.create(
      streamed({ messages: HELLO }, { tokens: 3, pad_bytes: 16 * 1024 * 1024 }),
    );
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? "");
      })(),
    );
    expectTooLarge(error, "max_event_bytes");
    expect(seen.join("")).toBe("lorem ipsum");
    expect((await gw.mock.waitForAbort(5_000)).aborted).toBe(true);
  });

  it("streams an event just under max_event_bytes", async () => {
    const chunks = await collect(
      await openai.chat.completions.create(
        streamed({ messages: HELLO }, { tokens: 3, pad_bytes: MAX_EVENT - 1024 }),
      ),
    );
    expect(textOf(chunks)).toBe("lorem ipsum dolor");
  });
});

describe("the error over RPC", () => {
  it("is ResourceExhausted, not retryable, naming the provider", async () => {
    const client = createClient(ChatService, createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1" }));
    let error: ConnectError | undefined;
    try {
      await client.complete({
        chat: {
          model: "mock:mock-small",
          messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hi" } }] }],
          extra: { mock: { pad_bytes: HUGE } },
        },
      });
    } catch (caught) {
      error = ConnectError.from(caught);
    }
    expect(error?.code).toBe(Code.ResourceExhausted);
    const [detail] = error?.findDetails(ErrorDetailSchema) ?? [];
    expect(detail).toMatchObject({ code: "upstream_response_too_large", retryable: false, provider: "mock" });
  });
});

describe("SSE framing", () => {
  const limits = { provider: "p", responseBytes: MAX_RESPONSE, eventBytes: 100 };
  /** Feeds `parts` to an SSE framer; resolves with the data delivered, rejects with what `feed` threw. */
  async function frame(...parts: string[]): Promise<string[]> {
    const seen: string[] = [];
    const framer = sseFramer(limits, (data) => seen.push(data));
    for (const part of parts) framer.feed(new TextEncoder().encode(part));
    framer.end();
    return seen;
  }

  it("fails an event that arrives whole inside one chunk when it is over max_event_bytes", () => {
    const seen: string[] = [];
    const framer = sseFramer(limits, (data) => seen.push(data));
    const chunk = new TextEncoder().encode(`data: {"a":1}\n\ndata: ${"x".repeat(200)}\n\n`);
    expect(() => framer.feed(chunk)).toThrow(/longer than 100 bytes.*max_event_bytes/);
    expect(seen).toEqual(['{"a":1}']);
  });

  it("fails a line that never ends once it outgrows max_event_bytes", async () => {
    await expect(frame("data: ", "y".repeat(60), "y".repeat(60))).rejects.toMatchObject({
      code: "upstream_response_too_large",
    });
  });
});
