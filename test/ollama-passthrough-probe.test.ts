import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Ollama } from "ollama";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ledgerEntries } from "./harness/observe.ts";
import type { Json } from "./harness/openai-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Probes of the Ollama-compatible surface and the pass-through routes as a
 * broken client, an attacker or a real Ollama tool hits them: the real
 * gateway in front of the mock upstream (and, for Gemini pass-through, a
 * tiny upstream whose answer is fixed), asserting what reaches the upstream,
 * what the caller gets back and what the ledger records.
 */

const KEY = "sk-probe-user-0001";
const MOUNT = "/pt";
const HELLO = [{ role: "user", content: "Hello there, mock upstream!" }];

let gw: TestGateway;
let ollama: Ollama;
/** A Gemini upstream whose model answers with a function call whose arguments mimic usageMetadata. */
let gemini: Server;

/** The model's answer: a tool call of its own making, then the usage the upstream really reports. */
const FAKED_USAGE_ANSWER = JSON.stringify({
  candidates: [
    {
      content: {
        role: "model",
        parts: [
          {
            functionCall: {
              name: "record",
              args: { usageMetadata: { cachedContentTokenCount: 900, toolUsePromptTokenCount: 0 } },
            },
          },
        ],
      },
      finishReason: "STOP",
    },
  ],
  usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 10, totalTokenCount: 1010 },
});

beforeAll(async () => {
  gemini = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(FAKED_USAGE_ANSWER);
    });
  });
  await new Promise<void>((resolve) => gemini.listen(0, "127.0.0.1", resolve));
  const geminiPort = (gemini.address() as AddressInfo).port;
  gw = await startTestGateway({
    mock: { models: ["claude-test", "mock-small", "mock-embed"] },
    config: (mockUrl) => ({
      providers: [
        {
          name: "oai",
          type: "openai",
          base_url: `${mockUrl}/v1`,
          api_key: "sk-oai-upstream",
          discover: false,
          models: ["mock-small", "mock-embed"],
        },
        {
          name: "claude",
          type: "anthropic",
          base_url: `${mockUrl}/v1`,
          api_key: "sk-ant-upstream",
          discover: false,
          models: ["claude-test"],
        },
        {
          name: "gem",
          type: "gemini",
          base_url: `http://127.0.0.1:${geminiPort}/v1beta`,
          api_key: "gem-upstream",
          discover: false,
          models: [{ id: "gemini-test", pricing: { input: 1_000, output: 2_000, cached_input: 100 } }],
        },
      ],
      keys: [{ name: "user", key: KEY }],
      passthrough: { mount: MOUNT, routes: [{ api: "gemini", allow_private: true }] },
    }),
  });
  ollama = new Ollama({ host: gw.url, headers: { Authorization: `Bearer ${KEY}` } });
});

afterAll(async () => {
  await gw?.close();
  await new Promise((resolve) => gemini?.close(resolve));
});

beforeEach(() => {
  gw.mock.reset();
});

/** The JSON body of the `i`th request the mock upstream received in this test. */
function upstreamBody(i = 0): Json {
  return (gw.mock.requests[i]?.body ?? {}) as Json;
}

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${gw.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("Ollama options", () => {
  it("reads seed -1 (Ollama's default: a random seed) as no seed, not as the fixed seed -1", async () => {
    const res = await post("/api/chat", {
      model: "mock-small",
      messages: HELLO,
      stream: false,
      options: { seed: -1, temperature: 0.5 },
    });
    expect(res.status).toBe(200);
    const sent = upstreamBody();
    expect(sent.temperature).toBe(0.5);
    expect(sent).not.toHaveProperty("seed");

    // An upstream without seeds does not refuse what asked for none.
    const claude = await ollama.chat({ model: "claude-test", messages: HELLO, options: { seed: -1 } });
    expect(claude.done).toBe(true);
    expect(claude.message.content.length).toBeGreaterThan(0);
  });

  it("still sends a real seed", async () => {
    const res = await post("/api/generate", {
      model: "mock-small",
      prompt: "hi",
      stream: false,
      options: { seed: 42 },
    });
    expect(res.status).toBe(200);
    expect(upstreamBody().seed).toBe(42);
  });
});

describe("Ollama images", () => {
  it.each([
    ["a dangling character", "a"],
    ["an unpadded quantum", "iVBORw0KGgo"],
    ["padding alone", "=="],
  ])(
    "refuses %s as images[0], as Ollama's strict base64 does, without calling the upstream",
    async (_what, image) => {
      const res = await post("/api/chat", {
        model: "mock-small",
        stream: false,
        messages: [{ role: "user", content: "what is this?", images: [image] }],
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).error).toMatch(/messages\[0\]\.images\[0\] must be a base64/);
      expect(gw.mock.requests).toHaveLength(0);
    },
  );

  it("takes padded base64, wrapped in lines or not", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2, 3]);
    const b64 = png.toString("base64");
    const wrapped = `${b64.slice(0, 8)}\n${b64.slice(8)}`;
    for (const image of [b64, wrapped]) {
      const res = await post("/api/generate", {
        model: "mock-small",
        prompt: "hi",
        stream: false,
        images: [image],
      });
      expect(res.status).toBe(200);
    }
    const parts = upstreamBody(1).messages[0].content as Json[];
    expect(parts.find((part) => part.type === "image_url")?.image_url.url).toBe(
      `data:image/png;base64,${b64}`,
    );
  });
});

describe("Ollama embeddings load requests", () => {
  it("answers an empty /api/embed (Ollama's way to load a model) with no embeddings, not a 400", async () => {
    for (const input of [[], "", undefined]) {
      const res = await post("/api/embed", { model: "mock-embed", input });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ model: "mock-embed", embeddings: [] });
    }
    const viaClient = await ollama.embed({ model: "mock-embed", input: [] });
    expect(viaClient.embeddings).toEqual([]);
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("answers an empty prompt on /api/embeddings with an empty embedding", async () => {
    const res = await post("/api/embeddings", { model: "mock-embed", prompt: "" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ embedding: [] });
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("still authenticates a load request, and still refuses wrong types", async () => {
    const anonymous = await fetch(`${gw.url}/api/embed`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-embed", input: [] }),
    });
    expect(anonymous.status).toBe(401);
    const wrong = await post("/api/embed", { model: "mock-embed", input: 5 });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as Json).error).toMatch(/input must be a string or an array/);
  });
});

describe("pass-through usage tapping", () => {
  it("bills Gemini on the usage the upstream reported, not on a usageMetadata the model wrote into a tool call", async () => {
    const res = await fetch(`${gw.url}${MOUNT}/gemini/v1beta/models/gemini-test:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": KEY },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "call record" }] }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(FAKED_USAGE_ANSWER);
    const row = (await ledgerEntries(gw, { provider: "gem", model: "gemini-test" })).at(-1);
    expect(row).toMatchObject({ surface: "passthrough-gemini", status: "ok" });
    expect(row?.promptTokens).toBe(1000);
    expect(row?.completionTokens).toBe(10);
    expect(row?.cachedTokens).toBe(0);
  });
});
