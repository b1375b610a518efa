import { describe, expect, it } from "vitest";
import { ResponseFormatType, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { parseGenerateRequest } from "./parse-generate-request.ts";

const user = (text: string) => ({ role: "user", parts: [{ text }] });

function refusal(body: unknown): string {
  try {
    parseGenerateRequest(body, "m");
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe("invalid_request");
    return (error as GatewayError).message;
  }
  throw new Error("expected a refusal");
}

describe("parseGenerateRequest", () => {
  it("maps systemInstruction, turns, thinking parts and generationConfig", () => {
    const request = parseGenerateRequest(
      {
        systemInstruction: { parts: [{ text: "Be brief." }] },
        contents: [
          user("Hi"),
          { role: "model", parts: [{ text: "pondering", thought: true }, { text: "Hello" }] },
          { parts: [{ text: "again" }, { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } }] },
        ],
        generationConfig: {
          temperature: 0.2,
          topP: 0.9,
          topK: 40,
          maxOutputTokens: 100,
          stopSequences: ["END"],
          candidateCount: 2,
          seed: 7,
          thinkingConfig: { thinkingBudget: 512, includeThoughts: true },
        },
        safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_NONE" }],
      },
      "m",
    );
    expect(request.messages.map((m) => m.role)).toEqual([Role.SYSTEM, Role.USER, Role.ASSISTANT, Role.USER]);
    expect(request.messages[2]?.reasoning).toBe("pondering");
    expect(request.messages[3]?.content[1]?.part).toMatchObject({
      case: "image",
      value: { mediaType: "image/png" },
    });
    expect(request).toMatchObject({
      temperature: 0.2,
      topP: 0.9,
      maxTokens: 100,
      stop: ["END"],
      n: 2,
      seed: 7n,
    });
    expect(request.reasoning).toMatchObject({ budgetTokens: 512, include: true, enabled: true });
    expect(request.extra).toEqual({
      top_k: 40,
      safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_NONE" }],
    });
  });

  it("pairs function responses with the calls of the model turn before them, by name", () => {
    const request = parseGenerateRequest(
      {
        contents: [
          user("weather?"),
          {
            role: "model",
            parts: [
              { functionCall: { name: "get_weather", args: { city: "Paris" } } },
              { functionCall: { name: "get_weather", args: { city: "Rome" } } },
            ],
          },
          {
            role: "user",
            parts: [
              { functionResponse: { name: "get_weather", response: { temp: 21 } } },
              { functionResponse: { name: "get_weather", response: { temp: 25 } } },
            ],
          },
        ],
      },
      "m",
    );
    const calls = request.messages[1]?.toolCalls ?? [];
    expect(calls.map((c) => [c.id, c.arguments])).toEqual([
      ["call_1_0", '{"city":"Paris"}'],
      ["call_1_1", '{"city":"Rome"}'],
    ]);
    expect(request.messages.slice(2).map((m) => [m.role, m.toolCallId, m.content[0]?.part.value])).toEqual([
      [Role.TOOL, "call_1_0", '{"temp":21}'],
      [Role.TOOL, "call_1_1", '{"temp":25}'],
    ]);
  });

  it("converts Gemini schemas to JSON Schema and honours allowedFunctionNames", () => {
    const fn = (name: string) => ({
      name,
      parameters: {
        type: "OBJECT",
        properties: {
          b: { type: "STRING", nullable: true },
          a: { type: "ARRAY", items: { type: "INTEGER" } },
        },
        propertyOrdering: ["a", "b"],
      },
    });
    const request = parseGenerateRequest(
      {
        contents: [user("Hi")],
        tools: [{ functionDeclarations: [fn("one"), fn("two"), fn("three")] }],
        toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["one", "three"] } },
      },
      "m",
    );
    expect(request.tools.map((t) => t.name)).toEqual(["one", "three"]);
    expect(request.toolChoice?.choice).toEqual({ case: "mode", value: 3 });
    const schema = request.tools[0]?.parameters;
    expect(schema).toEqual({
      type: "object",
      properties: { a: { type: "array", items: { type: "integer" } }, b: { type: ["string", "null"] } },
    });
    expect(Object.keys(schema?.properties as object)).toEqual(["a", "b"]);
  });

  it("maps responseMimeType and a schema to a JSON-schema response format", () => {
    const request = parseGenerateRequest(
      {
        contents: [user("Hi")],
        generationConfig: { responseMimeType: "application/json", responseJsonSchema: { type: "object" } },
      },
      "m",
    );
    expect(request.responseFormat).toMatchObject({
      type: ResponseFormatType.JSON_SCHEMA,
      schema: { type: "object" },
    });
  });

  it.each([
    [{ contents: [] }, "contents is not specified"],
    [{ contents: [user("Hi")], cachedContents: "x" }, '"cachedContents"'],
    [{ contents: [{ role: "system", parts: [{ text: "x" }] }] }, "role"],
    [{ contents: [{ parts: [{ executableCode: { code: "1" } }] }] }, "executableCode"],
    [
      { contents: [{ parts: [{ inlineData: { mimeType: "application/pdf", data: "AA==" } }] }] },
      "only images",
    ],
    [
      { contents: [{ parts: [{ functionResponse: { name: "f", response: {} } }] }] },
      "answers no functionCall",
    ],
    [{ contents: [user("Hi")], tools: [{ googleSearch: {} }] }, "built-in tools"],
    [{ contents: [user("Hi")], generationConfig: { responseMimeType: "text/x.enum" } }, "text/x.enum"],
    [
      { contents: [user("Hi")], generationConfig: { responseSchema: { type: "OBJECT" } } },
      "application/json",
    ],
    [{ contents: [user("Hi")], generationConfig: { maxOutputTokens: -1 } }, "maxOutputTokens"],
    [
      { contents: [user("Hi")], generationConfig: { thinkingConfig: { thinkingLevel: "HUGE" } } },
      "thinkingLevel",
    ],
    [
      {
        contents: [user("Hi")],
        toolConfig: { functionCallingConfig: { mode: "AUTO", allowedFunctionNames: ["f"] } },
      },
      "ANY",
    ],
  ])("refuses what it cannot carry (%j)", (body, words) => {
    expect(refusal(body)).toContain(words);
  });
});
