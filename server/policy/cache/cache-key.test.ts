import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CacheMode, type ChatRequest, ChatRequestSchema, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { cacheNamespace, cacheTag, requestCacheKey } from "./cache-key.ts";

function chat(text: string, extra: MessageInitShape<typeof ChatRequestSchema> = {}): ChatRequest {
  return create(ChatRequestSchema, {
    model: "fast",
    messages: [{ role: Role.USER, content: [{ part: { case: "text", value: text } }] }],
    ...extra,
  });
}

const key = (request: ChatRequest, model = "gpt-4o-mini", ns = "global") =>
  requestCacheKey(request, model, ns);

describe("the cache key", () => {
  it("is the same for the same request, and differs with the messages", () => {
    expect(key(chat("hi"))).toBe(key(chat("hi")));
    expect(key(chat("hi"))).not.toBe(key(chat("hello")));
  });

  it("uses the resolved model, not the name the caller used", () => {
    expect(key(chat("hi", { model: "fast" }))).toBe(key(chat("hi", { model: "gpt-4o-mini" })));
    expect(key(chat("hi"), "gpt-4o")).not.toBe(key(chat("hi"), "gpt-4o-mini"));
  });

  it("changes with the tools, tool choice, response format and sampling parameters", () => {
    const base = key(chat("hi"));
    expect(key(chat("hi", { tools: [{ name: "lookup", description: "" }] }))).not.toBe(base);
    expect(key(chat("hi", { toolChoice: { choice: { case: "function", value: "lookup" } } }))).not.toBe(base);
    expect(key(chat("hi", { temperature: 0.7 }))).not.toBe(base);
    expect(key(chat("hi", { maxTokens: 10 }))).not.toBe(base);
    expect(key(chat("hi", { stop: ["\n"] }))).not.toBe(base);
    expect(key(chat("hi", { responseFormat: { type: 2 } }))).not.toBe(base);
    expect(key(chat("hi", { extra: { top_k: 5 } }))).not.toBe(base);
  });

  it("changes with the seed and with image bytes, which JSON has no type for", () => {
    const image = (data: number[]) =>
      chat("hi", {
        messages: [
          {
            role: Role.USER,
            content: [
              { part: { case: "image", value: { source: { case: "data", value: new Uint8Array(data) } } } },
            ],
          },
        ],
      });
    expect(key(chat("hi", { seed: 1n }))).not.toBe(key(chat("hi", { seed: 2n })));
    expect(key(chat("hi", { seed: 1n }))).not.toBe(key(chat("hi")));
    expect(key(image([1, 2, 3]))).toBe(key(image([1, 2, 3])));
    expect(key(image([1, 2, 3]))).not.toBe(key(image([1, 2, 4])));
  });

  it("ignores user, metadata, routing hints and the cache mode", () => {
    const base = key(chat("hi"));
    expect(key(chat("hi", { user: "u-1" }))).toBe(base);
    expect(key(chat("hi", { metadata: { trace: "x" } }))).toBe(base);
    expect(key(chat("hi", { routing: { strategy: "cost" } }))).toBe(base);
    expect(key(chat("hi", { cache: CacheMode.REFRESH }))).toBe(base);
  });

  it("differs per namespace, and starts with the namespace's and model's tags", () => {
    expect(key(chat("hi"), "m", "key:a")).not.toBe(key(chat("hi"), "m", "key:b"));
    expect(key(chat("hi"), "m", "key:a").startsWith(`${cacheTag("key:a")}:${cacheTag("m")}:`)).toBe(true);
  });

  it("names namespaces per mode, a key with no team counting as itself", () => {
    const alice = { name: "alice", admin: false, priority: 0, team: "search" };
    const bob = { name: "bob", admin: false, priority: 0, team: "" };
    expect(cacheNamespace("global", alice)).toBe("global");
    expect(cacheNamespace("key", alice)).toBe("key:alice");
    expect(cacheNamespace("team", alice)).toBe("team:search");
    expect(cacheNamespace("team", bob)).toBe("key:bob");
  });
});
