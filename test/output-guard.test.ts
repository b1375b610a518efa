import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openaiClient } from "./harness/openai-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * The output guard on answers and streams, with the real `openai` SDK. The
 * mock upstream answers a tool result by quoting it word by word, one word
 * per stream chunk, so the secret assignment below reaches the gateway
 * split over three chunks (`api_key`, `=`, the value). Rules look at the
 * output only, so the tool result itself passes the input guards.
 */

const REDACTING = "sk-output-redact-01";
const BLOCKING = "sk-output-block-001";
const SECRET = "hunter22hunter";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    config: {
      keys: [
        { name: "redacting", key: REDACTING },
        { name: "blocking", key: BLOCKING },
      ],
      guards: {
        secrets: { action: "redact", where: ["output"] },
        keys: { blocking: { secrets: { action: "block", where: ["output"] } } },
      },
    },
  });
});

afterAll(async () => {
  await gw?.close();
});

const quoting: OpenAI.ChatCompletionMessageParam[] = [
  { role: "user", content: "What is the key?" },
  {
    role: "assistant",
    content: null,
    tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: "{}" } }],
  },
  { role: "tool", tool_call_id: "c1", content: `api_key = "${SECRET}"` },
];

describe("the output guard", () => {
  it("masks a secret the model streams split across three chunks, before any of it leaves", async () => {
    const stream = await openaiClient(gw, REDACTING).chat.completions.create({
      model: "mock-small",
      messages: quoting,
      stream: true,
    });
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk.choices[0]?.delta.content ?? "");
    const text = chunks.join("");
    expect(text).toContain("The tool said: api_key = ");
    expect(text).toContain("[REDACTED:");
    expect(text).not.toContain(SECRET);
    // The upstream did send it, split: the guard is what kept it back.
    expect(JSON.stringify(gw.mock.requests.at(-1)?.body)).toContain(SECRET);
  });

  it("masks it in a whole answer too", async () => {
    const answer = await openaiClient(gw, REDACTING).chat.completions.create({
      model: "mock-small",
      messages: quoting,
    });
    const text = answer.choices[0]?.message.content ?? "";
    expect(text).toContain("[REDACTED:");
    expect(text).not.toContain(SECRET);
  });

  it("ends the stream with guardrail_blocked for a key whose rule blocks, with nothing of the secret sent", async () => {
    const stream = await openaiClient(gw, BLOCKING).chat.completions.create({
      model: "mock-small",
      messages: quoting,
      stream: true,
    });
    const chunks: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) chunks.push(chunk.choices[0]?.delta.content ?? "");
    })().then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(error?.message ?? "").toContain("guardrail");
    expect(chunks.join("")).not.toContain(SECRET);
  });
});

describe("the round trip: redacted values restored in the answer", () => {
  let rt: TestGateway;
  const EMAIL = "jane.doe@example.com";
  const withEmail: OpenAI.ChatCompletionMessageParam[] = [
    { role: "user", content: "Who wrote it?" },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: "{}" } }],
    },
    { role: "tool", tool_call_id: "c1", content: `written by ${EMAIL} last week` },
  ];

  beforeAll(async () => {
    rt = await startTestGateway({ config: { guards: { pii: { action: "redact" }, restore: true } } });
  });
  afterAll(async () => {
    await rt?.close();
  });

  it("sends the upstream the placeholder and gives the caller the original, streamed and whole", async () => {
    const client = openaiClient(rt);
    const stream = await client.chat.completions.create({
      model: "mock-small",
      messages: withEmail,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(`The tool said: written by ${EMAIL} last week`);
    const upstream = JSON.stringify(rt.mock.requests.at(-1)?.body);
    expect(upstream).toContain("[REDACTED:EMAIL_1]");
    expect(upstream).not.toContain(EMAIL);

    const whole = await client.chat.completions.create({ model: "mock-small", messages: withEmail });
    expect(whole.choices[0]?.message.content).toBe(`The tool said: written by ${EMAIL} last week`);
  });
});
