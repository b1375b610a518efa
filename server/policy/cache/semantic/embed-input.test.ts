import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  type ChatRequest,
  ChatRequestSchema,
  type MessageSchema,
  ResponseFormatType,
  Role,
} from "../../../../gen/llmgw/v1/chat_pb.js";
import { semanticInput } from "./embed-input.ts";

type MessageInit = MessageInitShape<typeof MessageSchema>;
type ChatInit = Exclude<MessageInitShape<typeof ChatRequestSchema>, ChatRequest>;
const SCOPE = { namespace: "", model: "gpt-4o", embedder: "local" };

function say(role: Role, text: string): MessageInit {
  return { role, content: [{ part: { case: "text", value: text } }] };
}

function chat(messages: MessageInit[], extra: Omit<ChatInit, "messages"> = {}): ChatRequest {
  return create(ChatRequestSchema, { model: "gpt-4o", messages, ...extra });
}

const question = chat([say(Role.SYSTEM, "Be brief."), say(Role.USER, "What is the capital of France?")]);
const partitionOf = (request: ChatRequest, scope = SCOPE) =>
  semanticInput(request, "last_user_message", scope)?.partition;

describe("semanticInput", () => {
  it("embeds the last user message by default, and only it", () => {
    const request = chat([
      say(Role.SYSTEM, "Be brief."),
      say(Role.USER, "Hello"),
      say(Role.ASSISTANT, "Hi! How can I help?"),
      say(Role.USER, "What is the capital of France?"),
    ]);
    expect(semanticInput(request, "last_user_message", SCOPE)?.text).toBe("What is the capital of France?");
  });

  it("embeds every non-system message's text with the conversation scope", () => {
    const request = chat([say(Role.SYSTEM, "Be brief."), say(Role.USER, "Hello"), say(Role.ASSISTANT, "Hi")]);
    expect(semanticInput(request, "conversation", SCOPE)?.text).toBe("Hello\nHi");
  });

  it("has nothing to embed without user text", () => {
    expect(semanticInput(chat([say(Role.SYSTEM, "Be brief.")]), "last_user_message", SCOPE)).toBeUndefined();
    expect(semanticInput(chat([say(Role.USER, "   ")]), "last_user_message", SCOPE)).toBeUndefined();
  });

  it("gives rephrased questions one partition: the embedded text is not in it", () => {
    const rephrased = chat([say(Role.SYSTEM, "Be brief."), say(Role.USER, "what's the capital of france")]);
    expect(partitionOf(rephrased)).toBe(partitionOf(question));
  });

  it("separates namespaces, models and embedders", () => {
    const base = partitionOf(question);
    expect(partitionOf(question, { ...SCOPE, namespace: "team-a" })).not.toBe(base);
    expect(partitionOf(question, { ...SCOPE, model: "gpt-4o-mini" })).not.toBe(base);
    expect(partitionOf(question, { ...SCOPE, embedder: "nomic-embed-text" })).not.toBe(base);
  });

  it("separates system prompts", () => {
    const other = chat([
      say(Role.SYSTEM, "Answer in French."),
      say(Role.USER, "What is the capital of France?"),
    ]);
    const none = chat([say(Role.USER, "What is the capital of France?")]);
    expect(partitionOf(other)).not.toBe(partitionOf(question));
    expect(partitionOf(none)).not.toBe(partitionOf(question));
  });

  it("separates tool lists, tool choices and response formats", () => {
    const messages = [say(Role.SYSTEM, "Be brief."), say(Role.USER, "What is the capital of France?")];
    const tool = { name: "lookup", description: "Looks a city up", parameters: { type: "object" } };
    const withTool = chat(messages, { tools: [tool] });
    const otherSchema = chat(messages, {
      tools: [{ ...tool, parameters: { type: "object", required: ["city"] } }],
    });
    const required = chat(messages, {
      tools: [tool],
      toolChoice: { choice: { case: "function", value: "lookup" } },
    });
    const json = chat(messages, { responseFormat: { type: ResponseFormatType.JSON_OBJECT } });
    const partitions = [question, withTool, otherSchema, required, json].map((r) => partitionOf(r));
    expect(new Set(partitions).size).toBe(5);
  });

  it("separates conversations whose earlier turns differ, when only the last question is embedded", () => {
    const following = (answer: string) =>
      chat([say(Role.USER, "Shall I book it?"), say(Role.ASSISTANT, answer), say(Role.USER, "yes, please")]);
    expect(partitionOf(following("The train, for 40 euros?"))).not.toBe(
      partitionOf(following("The plane, for 300 euros?")),
    );
  });

  it("separates questions about different images", () => {
    const about = (url: string) =>
      chat([
        {
          role: Role.USER,
          content: [
            { part: { case: "text", value: "What is in this picture?" } },
            { part: { case: "image", value: { source: { case: "url", value: url } } } },
          ],
        },
      ]);
    expect(partitionOf(about("https://example.com/a.png"))).not.toBe(
      partitionOf(about("https://example.com/b.png")),
    );
    expect(partitionOf(about("https://example.com/a.png"))).toBe(
      partitionOf(about("https://example.com/a.png")),
    );
  });

  it("ignores what does not change the answer's shape: the user id and metadata", () => {
    const tagged = chat([say(Role.SYSTEM, "Be brief."), say(Role.USER, "What is the capital of France?")], {
      user: "u-1",
      metadata: { trace: "x" },
    });
    expect(partitionOf(tagged)).toBe(partitionOf(question));
  });
});
