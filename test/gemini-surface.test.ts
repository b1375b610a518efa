import { ApiError, type Content, GoogleGenAI, Type } from "@google/genai";
import { describe, expect, it } from "vitest";
import { GEMINI_MODEL, OPENAI_MODEL, useGeminiGateway } from "./harness/gemini-gateway.ts";
import { type Json, lastUpstream } from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The Gemini surface end to end: the real `@google/genai` client, pointed at
 * the gateway by `httpOptions.baseUrl`, against an OpenAI-compatible backend
 * and a Gemini backend (the mock upstream speaks both).
 */

const KEY = "gk-gemini-surface";
let gw: TestGateway;

useGeminiGateway("gemini-caller", KEY, (started) => {
  gw = started;
});

function client(apiKey = KEY, apiVersion?: string): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: gw.url, ...(apiVersion ? { apiVersion } : {}) } });
}

const weather = {
  name: "get_weather",
  description: "Weather for a city",
  parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ["city"] },
};

/** A failure from the client, which must be the SDK's ApiError carrying Google's error body. */
async function apiError(promise: Promise<unknown>): Promise<{ status: number; body: Json }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  const { status, message } = error as ApiError;
  const json = message.slice(message.indexOf("{"));
  return { status, body: JSON.parse(json) as Json };
}

describe.each([
  ["an OpenAI-compatible backend", OPENAI_MODEL],
  ["a Gemini backend", GEMINI_MODEL],
])("@google/genai against %s", (_name, model) => {
  it("generateContent: text, systemInstruction and generationConfig reach the upstream, usage comes back", async () => {
    const response = await client().models.generateContent({
      model,
      contents: "Hello there, mock upstream!",
      config: { systemInstruction: "Be brief.", maxOutputTokens: 64, temperature: 0.5 },
    });
    expect(response.text).toMatch(/\w+/);
    expect(response.candidates?.[0]?.finishReason).toBe("STOP");
    expect(response.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
    expect(response.usageMetadata?.candidatesTokenCount).toBeGreaterThan(0);
    expect(response.usageMetadata?.totalTokenCount).toBe(
      (response.usageMetadata?.promptTokenCount ?? 0) + (response.usageMetadata?.candidatesTokenCount ?? 0),
    );
    expect(response.modelVersion).toBeTruthy();
    const upstream = lastUpstream(gw).body;
    if (model === OPENAI_MODEL) {
      expect(upstream.messages).toEqual([
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hello there, mock upstream!" },
      ]);
      expect(upstream).toMatchObject({ temperature: 0.5 });
    } else {
      expect(upstream.systemInstruction).toEqual({ parts: [{ text: "Be brief." }] });
      expect(upstream.generationConfig).toMatchObject({ maxOutputTokens: 64, temperature: 0.5 });
    }
  });

  it("generateContentStream: several text chunks, then finishReason with usageMetadata", async () => {
    const whole = await client().models.generateContent({ model, contents: "Hello there, mock upstream!" });
    const chunks = [];
    for await (const chunk of await client().models.generateContentStream({
      model,
      contents: "Hello there, mock upstream!",
    })) {
      chunks.push(chunk);
    }
    expect(chunks.length).toBeGreaterThan(2);
    const text = chunks.map((c) => c.text ?? "").join("");
    expect(text).toBe(whole.text);
    const last = chunks.at(-1);
    expect(last?.candidates?.[0]?.finishReason).toBe("STOP");
    expect(last?.usageMetadata?.candidatesTokenCount).toBe(whole.usageMetadata?.candidatesTokenCount);
    expect(chunks.slice(0, -1).every((c) => c.usageMetadata === undefined)).toBe(true);
  });

  it("function calling: a functionCall, then a functionResponse round trip", async () => {
    const ai = client();
    const tools = [{ functionDeclarations: [weather] }];
    const user: Content = { role: "user", parts: [{ text: "What is the weather in Paris? [[call_tool]]" }] };
    const first = await ai.models.generateContent({ model, contents: [user], config: { tools } });
    const call = first.functionCalls?.[0];
    expect(call?.name).toBe("get_weather");
    expect(call?.args).toEqual(expect.any(Object));
    expect(first.candidates?.[0]?.finishReason).toBe("STOP");
    const sentTools = lastUpstream(gw).body.tools as Json[];
    if (model === OPENAI_MODEL) {
      // The OpenAPI-style schema (Type.OBJECT) reaches an OpenAI backend as JSON Schema.
      expect(sentTools[0]).toMatchObject({
        type: "function",
        function: {
          name: "get_weather",
          parameters: { type: "object", properties: { city: { type: "string" } } },
        },
      });
    } else {
      expect(sentTools).toEqual([
        {
          functionDeclarations: [
            {
              name: "get_weather",
              description: "Weather for a city",
              parametersJsonSchema: {
                type: "object",
                properties: { city: { type: "string" } },
                required: ["city"],
              },
            },
          ],
        },
      ]);
    }

    const modelTurn = first.candidates?.[0]?.content as Content;
    const answer: Content = {
      role: "user",
      parts: [{ functionResponse: { name: "get_weather", response: { result: "sunny, 21C" } } }],
    };
    const second = await ai.models.generateContent({
      model,
      contents: [user, modelTurn, answer],
      config: { tools },
    });
    expect(second.text).toContain("The tool said:");
    expect(second.text).toContain("sunny");
    const upstream = lastUpstream(gw).body;
    if (model === OPENAI_MODEL) {
      const messages = upstream.messages as Json[];
      const assistant = messages[1] as { tool_calls: Array<{ id: string }> };
      expect(messages[2]).toMatchObject({ role: "tool", tool_call_id: assistant.tool_calls[0]?.id });
    } else {
      const contents = upstream.contents as Json[];
      expect(contents[2]).toEqual({
        role: "user",
        parts: [{ functionResponse: { name: "get_weather", response: { result: "sunny, 21C" } } }],
      });
    }
  });

  it("streams a function call as one whole functionCall part", async () => {
    const chunks = [];
    for await (const chunk of await client().models.generateContentStream({
      model,
      contents: "What is the weather in Paris? [[call_tool]]",
      config: { tools: [{ functionDeclarations: [weather] }] },
    })) {
      chunks.push(chunk);
    }
    const calls = chunks.flatMap((c) => c.functionCalls ?? []);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.name).toBe("get_weather");
    expect(calls[0]?.args).toEqual(expect.any(Object));
  });

  it("embedContent: one vector per text, the same whatever the backend's wire", async () => {
    const response = await client().models.embedContent({ model, contents: ["first text", "second text"] });
    expect(response.embeddings).toHaveLength(2);
    const [a, b] = response.embeddings ?? [];
    expect(a?.values?.length).toBeGreaterThan(0);
    expect(a?.values).not.toEqual(b?.values);
    const other = await client().models.embedContent({
      model: model === OPENAI_MODEL ? GEMINI_MODEL : OPENAI_MODEL,
      contents: ["first text"],
    });
    expect(other.embeddings?.[0]?.values).toEqual(a?.values);
  });

  it("countTokens estimates the prompt", async () => {
    const response = await client().models.countTokens({ model, contents: "Hello there, mock upstream!" });
    expect(response.totalTokens).toBeGreaterThan(3);
  });
});

describe("the Gemini surface's routes", () => {
  it("sends thinkingConfig to a Gemini backend as it came", async () => {
    await client().models.generateContent({
      model: GEMINI_MODEL,
      contents: "Hi",
      config: { thinkingConfig: { thinkingBudget: 128, includeThoughts: true } },
    });
    expect(lastUpstream(gw).body.generationConfig).toEqual({
      thinkingConfig: { thinkingBudget: 128, includeThoughts: true },
    });
  });

  it("answers on /v1 as on /v1beta", async () => {
    const response = await client(KEY, "v1").models.generateContent({ model: OPENAI_MODEL, contents: "Hi" });
    expect(response.text).toMatch(/\w+/);
  });

  it("takes the key from ?key= and from Bearer", async () => {
    const path = `/v1beta/models/${OPENAI_MODEL}:generateContent`;
    const body = JSON.stringify({ contents: [{ parts: [{ text: "Hi" }] }] });
    const json = { "content-type": "application/json" };
    const byQuery = await fetch(`${gw.url}${path}?key=${KEY}`, { method: "POST", body, headers: json });
    expect(byQuery.status).toBe(200);
    const byBearer = await fetch(`${gw.url}${path}`, {
      method: "POST",
      body,
      headers: { ...json, authorization: `Bearer ${KEY}` },
    });
    expect(byBearer.status).toBe(200);
  });

  it("streams a JSON array without alt=sse", async () => {
    const response = await fetch(`${gw.url}/v1beta/models/${OPENAI_MODEL}:streamGenerateContent`, {
      method: "POST",
      headers: { "x-goog-api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hi" }] }] }),
    });
    expect(response.headers.get("content-type")).toContain("application/json");
    const chunks = (await response.json()) as Json[];
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.at(-1)).toMatchObject({ candidates: [{ finishReason: "STOP" }] });
  });

  it("lists the models in Google's shape, on /v1 (the client's default) and /v1beta", async () => {
    const beta = await client(KEY, "v1beta").models.list();
    expect(beta.page.map((m) => m.name)).toContain(`models/mock:${OPENAI_MODEL}`);
    const pager = await client().models.list();
    const names = pager.page.map((m) => m.name);
    expect(names).toContain(`models/mock:${OPENAI_MODEL}`);
    expect(names).toContain(`models/gem:${GEMINI_MODEL}`);
    const one = await client().models.get({ model: `mock:${OPENAI_MODEL}` });
    expect(one.supportedActions).toContain("generateContent");
    // The OpenAI model list stays OpenAI's.
    const openai = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(((await openai.json()) as Json).object).toBe("list");
  });
});

describe("the Gemini surface's errors, in Google's shape", () => {
  const post = (path: string, body: string, headers: Record<string, string> = { "x-goog-api-key": KEY }) =>
    fetch(`${gw.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });

  it("malformed JSON is a 400 INVALID_ARGUMENT", async () => {
    const response = await post(`/v1beta/models/${OPENAI_MODEL}:generateContent`, '{"contents": [');
    expect(response.status).toBe(400);
    const body = (await response.json()) as Json;
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT", message: expect.any(String) });
  });

  it("a field the gateway cannot carry is refused, never dropped", async () => {
    const contents = [{ parts: [{ text: "Hi" }] }];
    const unknown = await post(
      `/v1beta/models/${OPENAI_MODEL}:generateContent`,
      JSON.stringify({ contents, foo: 1 }),
    );
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: Json }).error.message).toContain('"foo"');
    const audio = await post(
      `/v1beta/models/${OPENAI_MODEL}:generateContent`,
      JSON.stringify({ contents: [{ parts: [{ inlineData: { mimeType: "audio/wav", data: "AAAA" } }] }] }),
    );
    expect(audio.status).toBe(400);
  });

  it("a missing or unknown model is a 404 NOT_FOUND, a malformed one a 400", async () => {
    const { status, body } = await apiError(
      client().models.generateContent({ model: "nosuch:model", contents: "Hi" }),
    );
    expect(status).toBe(404);
    expect(body.error).toMatchObject({ code: 404, status: "NOT_FOUND" });
    const missing = await post("/v1beta/models/:generateContent", "{}");
    expect(missing.status).toBe(400);
    const badEscape = await post("/v1beta/models/bad%E0%A4%A:generateContent", "{}");
    expect(badEscape.status).toBe(400);
    expect(((await badEscape.json()) as { error: Json }).error.status).toBe("INVALID_ARGUMENT");
  });

  it("a bad key is a 401 UNAUTHENTICATED", async () => {
    const { status, body } = await apiError(
      client("wrong-key").models.generateContent({ model: OPENAI_MODEL, contents: "Hi" }),
    );
    expect(status).toBe(401);
    expect(body.error).toMatchObject({ code: 401, status: "UNAUTHENTICATED" });
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("an upstream 429 is a 429 RESOURCE_EXHAUSTED", async () => {
    gw.mock.setBehaviour({ status: 429 });
    const { status, body } = await apiError(
      client().models.generateContent({ model: OPENAI_MODEL, contents: "Hi" }),
    );
    expect(status).toBe(429);
    expect(body.error).toMatchObject({ code: 429, status: "RESOURCE_EXHAUSTED" });
  });

  it("a stream the upstream cuts short ends with an error chunk the client raises", async () => {
    gw.mock.setBehaviour({ dropAfter: 1 });
    const texts: string[] = [];
    const failure = (async () => {
      for await (const chunk of await client().models.generateContentStream({
        model: OPENAI_MODEL,
        contents: "Hi",
      })) {
        texts.push(chunk.text ?? "");
      }
    })();
    const { status, body } = await apiError(failure);
    expect(texts.length).toBeGreaterThan(0);
    expect(status).toBeGreaterThanOrEqual(500);
    expect(body.error).toMatchObject({ code: status, status: expect.stringMatching(/UNAVAILABLE|INTERNAL/) });
  });
});
