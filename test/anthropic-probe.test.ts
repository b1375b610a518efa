import Anthropic from "@anthropic-ai/sdk";
import { beforeEach, describe, expect, it } from "vitest";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import type { Json } from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The Anthropic Messages surface as a broken client or an attacker hits it:
 * bodies that must be refused with a 400 in Anthropic's error shape, never a
 * 500, and never sent upstream.
 */

const KEY = "sk-llmgw-anthropic-probe";
const HI = [{ role: "user", content: "Hi" }];
/** A JSON object nested 5000 levels deep: parses fine, but overflows a recursive serializer. */
const DEEP = `${'{"a":'.repeat(5000)}{}${"}".repeat(5000)}`;

let gw: TestGateway;
let client: Anthropic;

useTestGateway(
  {
    mock: { models: ["gpt-mock"] },
    config: (mockUrl) => ({
      providers: [{ name: "oai", base_url: `${mockUrl}/v1`, models: ["gpt-mock"] }],
      keys: [{ name: "tester", key: KEY }],
    }),
  },
  (started) => {
    gw = started;
    client = new Anthropic({ baseURL: gw.url, apiKey: KEY, maxRetries: 0, timeout: 10_000 });
  },
);

beforeEach(() => {
  gw.mock.reset();
});

function post(path: string, body: string) {
  return fetch(`${gw.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": KEY, "anthropic-version": "2023-06-01" },
    body,
  });
}

/** A body with `"DEEP"` (the quoted placeholder) replaced by the deep object. */
function withDeep(body: Json): string {
  return JSON.stringify(body).replace('"DEEP"', DEEP);
}

async function expectInvalid(res: Response, mentions: string): Promise<void> {
  expect(res.status).toBe(400);
  const body = (await res.json()) as Json;
  expect(body).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  expect(body.error.message).toContain(mentions);
  expect(gw.mock.requests.filter((r) => r.method === "POST")).toHaveLength(0);
}

describe("deeply nested JSON", () => {
  const echoedToolUse = {
    model: "oai:gpt-mock",
    max_tokens: 8,
    messages: [
      { role: "user", content: "Look it up." },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "lookup", input: "DEEP" }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "ok" }] },
    ],
  };

  it("in a tool_use block's input is a 400 naming the block, not a 500", async () => {
    await expectInvalid(await post("/v1/messages", withDeep(echoedToolUse)), "messages.1.content.0.input");
  });

  it("in a tool_use input sent to count_tokens is a 400 too", async () => {
    const { max_tokens: _, ...body } = echoedToolUse;
    await expectInvalid(
      await post("/v1/messages/count_tokens", withDeep(body)),
      "messages.1.content.0.input",
    );
  });

  it("in a tool's input_schema sent to count_tokens is a 400, not a 500", async () => {
    const body = { model: "oai:gpt-mock", messages: HI, tools: [{ name: "lookup", input_schema: "DEEP" }] };
    await expectInvalid(await post("/v1/messages/count_tokens", withDeep(body)), "nests deeper");
  });
});

describe("count_tokens checks the body as strictly as /v1/messages", () => {
  it("refuses an empty messages list", async () => {
    const res = await post(
      "/v1/messages/count_tokens",
      JSON.stringify({ model: "oai:gpt-mock", messages: [] }),
    );
    await expectInvalid(res, "messages");
  });

  it("refuses a tool_choice naming no tool, through the SDK too", async () => {
    await expect(
      client.messages.countTokens({
        model: "oai:gpt-mock",
        messages: [{ role: "user", content: "Hi" }],
        tools: [{ name: "lookup", input_schema: { type: "object" } }],
        tool_choice: { type: "tool", name: "missing" },
      }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });
});

/**
 * A request with a temperature, which SDK 1.x's types no longer list but
 * Python, 0.x and curl callers still send (and the SDK passes on).
 */
function sampled(temperature: number): Anthropic.MessageCreateParamsNonStreaming {
  const params = {
    model: "oai:gpt-mock",
    max_tokens: 8,
    messages: [{ role: "user" as const, content: "Hi" }],
  };
  return { ...params, temperature } as Anthropic.MessageCreateParamsNonStreaming;
}

describe("sampling parameters take Anthropic's ranges", () => {
  it("refuses a temperature above 1.0, which Anthropic's API refuses", async () => {
    const res = await post(
      "/v1/messages",
      JSON.stringify({ model: "oai:gpt-mock", max_tokens: 8, temperature: 1.5, messages: HI }),
    );
    await expectInvalid(res, "temperature");
    await expect(client.messages.create(sampled(2))).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });

  it("still takes 0 and 1.0 and sends them upstream", async () => {
    for (const temperature of [0, 1]) {
      const message = await client.messages.create(sampled(temperature));
      expect(message.type).toBe("message");
      expect((gw.mock.requests.at(-1)?.body as Json | undefined)?.temperature).toBe(temperature);
    }
  });
});

describe("a method the Anthropic paths do not take", () => {
  it("is a 405 in Anthropic's error shape, with Allow and the request id", async () => {
    for (const path of ["/v1/messages", "/v1/messages/count_tokens"]) {
      const res = await fetch(`${gw.url}${path}`, {
        headers: { "x-api-key": KEY, "anthropic-version": "2023-06-01" },
      });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
      const id = res.headers.get("request-id");
      expect(id).toBeTruthy();
      expect(await res.json()).toEqual({
        type: "error",
        error: { type: "invalid_request_error", message: `GET is not allowed on ${path}; use POST` },
        request_id: id,
      });
    }
  });
});
