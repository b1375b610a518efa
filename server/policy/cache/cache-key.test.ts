import { createHash } from "node:crypto";
import { create, type DescMessage, type MessageInitShape, ScalarType } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CacheMode, type ChatRequest, ChatRequestSchema, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { cacheEntryKey } from "../../state/cache-store.ts";
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

  it("is the key the cache has always made: the digest of the JSON through the replacer, in updates", () => {
    // The formula before the replacer was skipped and the hash taken in one shot; entries already in
    // a shared Redis are found by it, so any other text (or digest) would turn every one into a miss.
    const before = (request: ChatRequest, model: string, ns: string) => {
      const canonical = { ...request, model, user: "", metadata: {}, routing: undefined, cache: 0 };
      const replacer = (_key: string, value: unknown) =>
        typeof value === "bigint"
          ? `${value}n`
          : value instanceof Uint8Array
            ? `b:${Buffer.from(value).toString("base64")}`
            : value;
      const digest = createHash("sha256")
        .update(ns)
        .update("\0")
        .update(JSON.stringify(canonical, replacer))
        .digest("base64url");
      return cacheEntryKey(cacheTag(ns), cacheTag(model), digest);
    };
    const image = {
      part: {
        case: "image" as const,
        value: { source: { case: "data" as const, value: new Uint8Array([0, 255, 7]) } },
      },
    };
    const requests = [
      chat("hi"),
      chat('naïve \u{1F600} \ud800 lone surrogate, "quotes" and \\ backslashes'),
      chat("hi", { seed: 42n, temperature: 0.2, topP: 0.9, stop: ["a", "b"], logitBias: { "50256": -100 } }),
      chat("hi", {
        messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "look" } }, image] }],
      }),
      chat("hi", {
        tools: [
          {
            name: "lookup",
            description: "finds",
            parameters: { type: "object", properties: { q: { type: "string" } } },
          },
        ],
        toolChoice: { choice: { case: "function", value: "lookup" } },
        responseFormat: { type: 2 },
        extra: { top_k: 5, nested: { list: [1, "two", null, true] } },
        reasoning: { effort: "high" },
        user: "u-1",
        metadata: { trace: "x" },
        routing: { strategy: "cost" },
        cache: CacheMode.REFRESH,
      }),
    ];
    for (const request of requests) {
      for (const ns of ["global", "key:alice"]) {
        expect(requestCacheKey(request, "gpt-4o-mini", ns)).toBe(before(request, "gpt-4o-mini", ns));
      }
    }
  });

  it("knows every field of a request whose value JSON cannot spell: the seed, and image bytes", () => {
    // The key skips its replacer unless the request has a seed or image bytes. A new bigint or bytes
    // field anywhere in ChatRequest must be taught to canonicalJson (cache-key.ts), then listed here.
    const found: string[] = [];
    const walk = (schema: DescMessage, seen: Set<string>) => {
      if (seen.has(schema.typeName)) return;
      seen.add(schema.typeName);
      for (const field of schema.fields) {
        const scalar =
          field.fieldKind === "scalar" || (field.fieldKind === "list" && field.listKind === "scalar")
            ? field.scalar
            : field.fieldKind === "map" && field.mapKind === "scalar"
              ? field.scalar
              : undefined;
        const wide = [
          ScalarType.INT64,
          ScalarType.UINT64,
          ScalarType.SINT64,
          ScalarType.FIXED64,
          ScalarType.SFIXED64,
        ];
        if (scalar === ScalarType.BYTES || (scalar !== undefined && wide.includes(scalar)))
          found.push(`${schema.typeName}.${field.name}`);
        const message =
          field.fieldKind === "message"
            ? field.message
            : (field.fieldKind === "list" && field.listKind === "message") ||
                (field.fieldKind === "map" && field.mapKind === "message")
              ? field.message
              : undefined;
        if (message !== undefined) walk(message, seen);
      }
    };
    walk(ChatRequestSchema, new Set());
    expect(found.sort()).toEqual(["llmgw.v1.ChatRequest.seed", "llmgw.v1.Image.data"]);
  });
});
