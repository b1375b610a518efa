import { ApiError, GoogleGenAI, type Schema, Type } from "@google/genai";
import { describe, expect, it } from "vitest";
import { GEMINI_MODEL, OPENAI_MODEL, useGeminiGateway } from "./harness/gemini-gateway.ts";
import { type Json, lastUpstream } from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The Gemini surface as a broken client or an attacker meets it: bodies and
 * model names that must be refused with Google's 400 INVALID_ARGUMENT (never
 * a 500, never silently changed), against the real gateway and mock upstream.
 */

const KEY = "gk-gemini-probe";
let gw: TestGateway;

useGeminiGateway("gemini-probe", KEY, (started) => {
  gw = started;
});

const HI = [{ parts: [{ text: "Hi" }] }];

async function post(path: string, body: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${gw.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-goog-api-key": KEY },
    body,
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** Expects Google's 400 INVALID_ARGUMENT body, and that nothing reached the upstream. */
function expectInvalid(answer: { status: number; body: Json }, message?: RegExp): void {
  expect(answer.status).toBe(400);
  expect(Object.keys(answer.body)).toEqual(["error"]);
  expect(answer.body.error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT" });
  if (message) expect(answer.body.error.message).toMatch(message);
  expect(gw.mock.requests).toHaveLength(0);
}

function nest(open: string, close: string, inner: string, depth: number): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

describe("deeply nested JSON", () => {
  const depth = 20_000;
  const deepObject = nest('{"a":', "}", "1", depth);
  const bodies: Array<[string, string]> = [
    [
      "a function's parameters schema",
      `{"contents":[{"parts":[{"text":"Hi"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":${nest('{"items":', "}", "{}", depth)}}]}]}`,
    ],
    [
      "a responseSchema",
      `{"contents":[{"parts":[{"text":"Hi"}]}],"generationConfig":{"responseMimeType":"application/json","responseSchema":${nest('{"items":', "}", "{}", depth)}}}`,
    ],
    [
      "a functionCall's args",
      `{"contents":[{"role":"model","parts":[{"functionCall":{"name":"f","args":${deepObject}}}]},{"parts":[{"text":"Hi"}]}]}`,
    ],
    [
      "a functionResponse's response",
      `{"contents":[{"role":"model","parts":[{"functionCall":{"name":"f"}}]},{"parts":[{"functionResponse":{"name":"f","response":${deepObject}}}]}]}`,
    ],
  ];

  it.each(bodies)("in %s is a 400 on generateContent and countTokens, not a 500", async (_name, body) => {
    for (const method of ["generateContent", "streamGenerateContent"]) {
      expectInvalid(await post(`/v1beta/models/${OPENAI_MODEL}:${method}`, body), /deeper than/);
    }
    const count = `{"generateContentRequest":${body}}`;
    expectInvalid(await post(`/v1beta/models/${OPENAI_MODEL}:countTokens`, count), /deeper than/);
  });
});

describe("free-form fields, on generateContent and countTokens", () => {
  const deep = nest('{"a":', "}", "1", 20_000);
  const deepList = nest("[", "]", "1", 20_000);
  it.each([
    [
      "a deep parametersJsonSchema",
      `"tools":[{"functionDeclarations":[{"name":"f","parametersJsonSchema":${deep}}]}]`,
    ],
    ["a deep Gemini-only generation field", `"generationConfig":{"responseModalities":${deepList}}`],
  ])("with %s is a 400, not a 500", async (_name, field) => {
    const body = `{"contents":[{"parts":[{"text":"Hi"}]}],${field}}`;
    expectInvalid(await post(`/v1beta/models/${OPENAI_MODEL}:generateContent`, body), /deeper than/);
    const count = `{"generateContentRequest":${body}}`;
    expectInvalid(await post(`/v1beta/models/${OPENAI_MODEL}:countTokens`, count), /deeper than/);
  });
});

describe("model names", () => {
  it.each([
    ["an encoded slash before dot segments", "gem:..%2F..%2Fx"],
    ["an encoded slash after the id", `gem:${GEMINI_MODEL}%2F..%2F..%2Fother`],
    ["a dot segment after a provider prefix", "gem:../x"],
    ["an encoded dot segment after a provider prefix", "gem:%2E%2E/x"],
  ])("with %s are refused before any upstream call", async (_name, model) => {
    expectInvalid(
      await post(`/v1beta/models/${model}:generateContent`, JSON.stringify({ contents: HI })),
      /relative segment/,
    );
  });

  it("with a slash, as @google/genai sends an id that has one, still route", async () => {
    const answer = await post(
      `/v1beta/models/mock:org/name:generateContent`,
      JSON.stringify({ contents: HI }),
    );
    expect(answer.status).toBe(200);
    expect(lastUpstream(gw).body.model).toBe("org/name");
  });
});

describe("function schemas", () => {
  it("keep properties named like Object.prototype members", async () => {
    const parameters: Schema = {
      type: Type.OBJECT,
      properties: {
        constructor: { type: Type.STRING },
        toString: { type: Type.STRING },
        valueOf: { type: Type.NUMBER },
        city: { type: Type.STRING },
      },
      propertyOrdering: ["city", "hasOwnProperty"],
      required: ["constructor", "city"],
    };
    const ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: gw.url } });
    await ai.models.generateContent({
      model: OPENAI_MODEL,
      contents: "Hi",
      config: { tools: [{ functionDeclarations: [{ name: "f", parameters }] }] },
    });
    const sent = (lastUpstream(gw).body.tools as Json[])[0]?.function.parameters;
    expect(Object.keys(sent.properties)).toEqual(["city", "constructor", "toString", "valueOf"]);
    expect(sent.properties.constructor).toEqual({ type: "string" });
    expect(sent.properties.valueOf).toEqual({ type: "number" });
  });
});

describe("wrongly typed or ambiguous parts and fields", () => {
  const image = (data: string) => ({ inlineData: { mimeType: "image/png", data } });
  it.each([
    ["inlineData.data of one base64 character", { contents: [{ parts: [image("A")] }] }, /base64/],
    ["inlineData.data of 4n+1 base64 characters", { contents: [{ parts: [image("AAAAA")] }] }, /base64/],
    ["inlineData.data with padding at the wrong length", { contents: [{ parts: [image("AA=")] }] }, /base64/],
    ["a fractional topK", { contents: HI, generationConfig: { topK: 1.5 } }, /topK/],
    ["a negative topK", { contents: HI, generationConfig: { topK: -3 } }, /topK/],
    ["a string thought", { contents: [{ parts: [{ text: "Hi", thought: "yes" }] }] }, /thought/],
    [
      "a numeric thoughtSignature",
      { contents: [{ parts: [{ text: "Hi", thoughtSignature: 1 }] }] },
      /thoughtSignature/,
    ],
    [
      "text and inlineData in one part",
      { contents: [{ parts: [{ text: "Hi", ...image("AAAA") }] }] },
      /one of/,
    ],
    [
      "text and functionCall in one model part",
      {
        contents: [
          { role: "model", parts: [{ text: "Calling", functionCall: { name: "f", args: {} } }] },
          { parts: [{ text: "Hi" }] },
        ],
      },
      /one of/,
    ],
    [
      "an image with a thoughtSignature in a model turn",
      {
        contents: [
          { role: "model", parts: [{ ...image("AAAA"), thoughtSignature: "c2ln" }] },
          { parts: [{ text: "Hi" }] },
        ],
      },
      /model turn/,
    ],
    [
      "a system instruction part with a functionCall beside its text",
      { contents: HI, systemInstruction: { parts: [{ text: "Be brief", functionCall: { name: "f" } }] } },
      /systemInstruction/,
    ],
    [
      "an unknown field in a system instruction part",
      { contents: HI, systemInstruction: { parts: [{ text: "Be brief", bogus: 1 }] } },
      /bogus/,
    ],
    ["safetySettings that are not an array", { contents: HI, safetySettings: "none" }, /safetySettings/],
    ["a cachedContent that is not a string", { contents: HI, cachedContent: 5 }, /cachedContent/],
  ])("%s is a 400", async (_name, body, message) => {
    for (const model of [OPENAI_MODEL, GEMINI_MODEL]) {
      expectInvalid(await post(`/v1beta/models/${model}:generateContent`, JSON.stringify(body)), message);
    }
  });

  it("the SDK raises these as an ApiError carrying Google's body", async () => {
    const ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: gw.url } });
    const error = await ai.models
      .generateContent({ model: GEMINI_MODEL, contents: "Hi", config: { topK: 0.5 } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toContain("INVALID_ARGUMENT");
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("valid base64, padded or not, and a thought signature still pass", async () => {
    for (const data of ["AAAA", "AAA=", "AA==", "AAAAAA", "AAAAAAA"]) {
      const answer = await post(
        `/v1beta/models/${OPENAI_MODEL}:generateContent`,
        JSON.stringify({ contents: [{ parts: [image(data), { text: "Hi", thoughtSignature: "c2ln" }] }] }),
      );
      expect(answer.status, data).toBe(200);
    }
  });
});

describe("a Gemini model name with relative segments, from the other surfaces", () => {
  it.each(["gem:../../x", "gem:models/../../x", "gem:tunedModels/./x"])(
    "%s over OpenAI's chat completions is a 400, and nothing reaches the upstream",
    async (model) => {
      const response = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "Hi" }] }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as Json;
      expect(body.error).toMatchObject({ type: "invalid_request_error", param: "model" });
      expect(body.error.message).toMatch(/relative segment/);
      expect(gw.mock.requests).toHaveLength(0);
    },
  );

  it("over Anthropic's messages is a 400 in Anthropic's shape, and nothing reaches the upstream", async () => {
    const response = await fetch(`${gw.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "gem:../x", max_tokens: 8, messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(gw.mock.requests).toHaveLength(0);
  });
});
