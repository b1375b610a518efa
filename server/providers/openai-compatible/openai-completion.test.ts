import { create, equals, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  ChatRequestSchema,
  type CompleteResponse,
  CompleteResponseSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { completionFromOpenAI } from "./openai-completion.ts";

const request = create(ChatRequestSchema, {
  model: "m",
  messages: [{ content: [{ part: { case: "text", value: "hello" } }] }],
});

/** The same response made by create(), as this function made it before it built literals. */
function created(response: CompleteResponse): CompleteResponse {
  const { $typeName: _, ...init } = response;
  return create(CompleteResponseSchema, {
    ...init,
    choices: response.choices.map(({ $typeName: __, ...choice }) => {
      const message = choice.message;
      if (message === undefined) return choice;
      const { $typeName: ___, ...fields } = message;
      return {
        ...choice,
        message: {
          ...fields,
          content: message.content.map(({ $typeName: _p, ...part }) => part),
          toolCalls: message.toolCalls.map(({ $typeName: _t, ...call }) => call),
        },
      };
    }),
  });
}

const answers = [
  {
    id: "c1",
    model: "m",
    created: 1,
    choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  },
  {
    choices: [
      {
        message: {
          content: null,
          tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: '{"a":1}' } }, {}],
        },
        finish_reason: "tool_calls",
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  },
  {
    id: "c3",
    choices: [
      {
        index: 1,
        message: { content: "x", refusal: "no", reasoning_content: "why" },
        finish_reason: "length",
      },
      {},
    ],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  },
  {
    id: "c4",
    created: 5,
    choices: [{ message: { content: "estimated", reasoning: "r" }, finish_reason: "stop" }],
  },
];

describe("an upstream's non-streamed completion", () => {
  it("is the response create() makes from the same fields: equal, and the same on the wire", async () => {
    for (const answer of answers) {
      const response = await completionFromOpenAI("p", JSON.stringify(answer), request);
      const reference = created(response);
      expect(equals(CompleteResponseSchema, response, reference)).toBe(true);
      expect(toBinary(CompleteResponseSchema, response)).toEqual(toBinary(CompleteResponseSchema, reference));
      expect(response).toEqual(reference);
    }
  });

  it("maps choices, tool calls, refusals and reasoning", async () => {
    const [text, tools, refused] = await Promise.all(
      answers.slice(0, 3).map((a) => completionFromOpenAI("p", JSON.stringify(a), request)),
    );
    expect(text?.choices[0]?.message?.content[0]?.part).toEqual({ case: "text", value: "hi" });
    expect(text?.usage?.totalTokens).toBe(4);
    expect(tools?.choices[0]?.message?.toolCalls.map((c) => c.name)).toEqual(["f", ""]);
    expect(tools?.choices[0]?.message?.content).toEqual([]);
    expect(refused?.choices.map((c) => c.index)).toEqual([1, 1]);
    expect(refused?.choices[0]?.message?.refusal).toBe("no");
    expect(refused?.choices[0]?.message?.reasoning).toBe("why");
  });

  it("refuses an answer without choices", async () => {
    await expect(completionFromOpenAI("p", JSON.stringify({ id: "x" }), request)).rejects.toMatchObject({
      code: "upstream_error",
    });
  });
});
