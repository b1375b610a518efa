import { describe, expect, it } from "vitest";
import { ResponseFormatType, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import type { GatewayError } from "../../errors/gateway-error.ts";
import { parseOllamaChat } from "./parse-ollama-chat.ts";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]).toString("base64");

function refusal(body: unknown): GatewayError {
  try {
    parseOllamaChat(body);
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error("expected the body to be refused");
}

describe("parseOllamaChat", () => {
  it("streams unless stream is false, and maps options, format and think", () => {
    const { request, stream } = parseOllamaChat({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      format: "json",
      think: "high",
      keep_alive: "5m",
      options: {
        temperature: 0.2,
        top_p: 0.9,
        num_predict: 40,
        stop: ["END"],
        seed: 7,
        top_k: 20,
        num_ctx: 4096,
      },
    });
    expect(stream).toBe(true);
    expect(request).toMatchObject({
      model: "m",
      temperature: 0.2,
      topP: 0.9,
      maxTokens: 40,
      stop: ["END"],
      seed: 7n,
    });
    expect(request.responseFormat?.type).toBe(ResponseFormatType.JSON_OBJECT);
    expect(request.reasoning).toMatchObject({ effort: "high", enabled: true, include: true });
    expect(request.extra).toEqual({ top_k: 20, num_ctx: 4096 });
    expect(parseOllamaChat({ model: "m", stream: false }).stream).toBe(false);
  });

  it("takes a JSON schema format, and num_predict -1 as no limit", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const { request } = parseOllamaChat({
      model: "m",
      format: schema,
      options: { num_predict: -1 },
      think: false,
    });
    expect(request.responseFormat).toMatchObject({
      type: ResponseFormatType.JSON_SCHEMA,
      name: "response",
      schema,
    });
    expect(request.maxTokens).toBeUndefined();
    expect(request.reasoning?.enabled).toBe(false);
  });

  it("maps images, thinking and tool calls, and pairs tool results with their calls by name", () => {
    const { request } = parseOllamaChat({
      model: "m",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "look", images: [PNG] },
        {
          role: "assistant",
          content: "",
          thinking: "hmm",
          tool_calls: [
            { function: { name: "a", arguments: { x: 1 } } },
            { function: { name: "b", arguments: {} } },
          ],
        },
        { role: "tool", content: "B done", tool_name: "b" },
        { role: "tool", content: "A done", tool_name: "a" },
      ],
    });
    const [system, user, assistant, toolB, toolA] = request.messages;
    expect(system?.role).toBe(Role.SYSTEM);
    const image = user?.content[1]?.part;
    expect(image?.case === "image" && image.value.mediaType).toBe("image/png");
    expect(assistant?.reasoning).toBe("hmm");
    expect(assistant?.toolCalls.map((c) => [c.id, c.name, c.arguments])).toEqual([
      ["call_2_0", "a", '{"x":1}'],
      ["call_2_1", "b", "{}"],
    ]);
    expect([toolB?.toolCallId, toolB?.name]).toEqual(["call_2_1", "b"]);
    expect([toolA?.toolCallId, toolA?.name]).toEqual(["call_2_0", "a"]);
  });

  it("refuses, naming the field, what it cannot read", () => {
    expect(refusal({ messages: [] }).param).toBe("model");
    expect(refusal({ model: "m", messages: [{ role: "robot", content: "x" }] }).param).toBe(
      "messages[0].role",
    );
    expect(refusal({ model: "m", messages: [{ role: "user", images: ["not base64!"] }] }).param).toBe(
      "messages[0].images[0]",
    );
    expect(
      refusal({
        model: "m",
        messages: [{ role: "assistant", tool_calls: [{ function: { name: "a", arguments: "{}" } }] }],
      }).param,
    ).toBe("messages[0].tool_calls[0].function.arguments");
    expect(
      refusal({ model: "m", messages: [{ role: "tool", content: "orphan", tool_name: "a" }] }).message,
    ).toMatch(/no earlier assistant tool call/);
    expect(refusal({ model: "m", format: "yaml" }).param).toBe("format");
    expect(refusal({ model: "m", think: "max" }).param).toBe("think");
    expect(refusal({ model: "m", options: { num_predict: 0 } }).param).toBe("options.num_predict");
    expect(refusal({ model: "m", options: { stop: [1] } }).param).toBe("options.stop");
    expect(refusal({ model: "m", logprobs: true }).param).toBe("logprobs");
    expect(refusal({ model: "m", keep_alive: {} }).param).toBe("keep_alive");
    expect(refusal({ model: "m", tools: [{ type: "code" }] }).param).toBe("tools[0].type");
    expect(refusal("[]").code).toBe("invalid_request");
  });
});
