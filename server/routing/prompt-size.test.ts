import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ChatRequestSchema, Role } from "../../gen/llmgw/v1/chat_pb.js";
import { EmbedRequestSchema } from "../../gen/llmgw/v1/embeddings_pb.js";
import { estimateChatTokens, estimateEmbedTokens } from "./prompt-size.ts";

describe("estimateChatTokens", () => {
  it("counts about four characters a token, plus the chat framing", () => {
    const chat = create(ChatRequestSchema, {
      messages: [
        { role: Role.SYSTEM, content: [{ part: { case: "text", value: "x".repeat(40) } }] },
        { role: Role.USER, content: [{ part: { case: "text", value: "y".repeat(41) } }] },
      ],
    });
    // 3 priming + 2 × 4 framing + ceil(81 / 4).
    expect(estimateChatTokens(chat)).toBe(3 + 8 + 21);
  });

  it("adds a flat guess for each image and each tool's schema", () => {
    const chat = create(ChatRequestSchema, {
      messages: [
        {
          role: Role.USER,
          content: [{ part: { case: "image", value: { source: { case: "url", value: "u" } } } }],
        },
      ],
      tools: [{ name: "abcd", description: "efgh" }],
    });
    expect(estimateChatTokens(chat)).toBe(3 + 4 + 765 + 50 + 2);
  });
});

describe("estimateEmbedTokens", () => {
  it("counts the inputs' characters", () => {
    expect(estimateEmbedTokens(create(EmbedRequestSchema, { inputs: ["abcd", "efgh", "i"] }))).toBe(3);
  });
});
