import { createHash, hash } from "node:crypto";
import { CacheMode, type ChatRequest } from "../../../gen/llmgw/v1/chat_pb.js";
import type { KeyInfo } from "../../core/call.ts";
import { cacheEntryKey } from "../../state/cache-store.ts";

/** Who shares cache entries. */
export type CacheNamespaceMode = "global" | "key" | "team";

/**
 * The namespace a call's entries live in, as InvalidateCache names it:
 * `global`, `key:<name>` or `team:<team>` (a key without a team: its own).
 */
export function cacheNamespace(mode: CacheNamespaceMode, key: KeyInfo | undefined): string {
  if (mode === "global") return "global";
  if (mode === "team" && key !== undefined && key.team !== "") return `team:${key.team}`;
  return `key:${key?.name ?? ""}`;
}

/** Tags already made: namespaces and models are few, and a request would otherwise hash both anew. */
const TAGS = new Map<string, string>();
const MAX_TAGS = 4096;

/** A short tag for a namespace or model name in an entry's key: hex, so it has no `:`. */
export function cacheTag(name: string): string {
  let tag = TAGS.get(name);
  if (tag === undefined) {
    tag = createHash("sha256").update(name).digest("hex").slice(0, 12);
    // Callers may name any model: past the bound, start afresh rather than grow.
    if (TAGS.size >= MAX_TAGS) TAGS.clear();
    TAGS.set(name, tag);
  }
  return tag;
}

/**
 * The canonical request as JSON, for hashing: the message objects in their
 * schema's field order (protobuf-es builds every message the same way), with
 * the two kinds of value JSON lacks spelt out (an int64 `seed`, image bytes).
 * About four times cheaper than `toBinary` on a typical chat request.
 */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Uint8Array)
    return `b:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64")}`;
  return value;
}

/**
 * `JSON.stringify(canonical, replacer)`, without calling the replacer for
 * every value when none needs it. A replacer that returns every other value
 * unchanged makes the same text as none at all, so only a request with a
 * seed (a bigint) or inline image bytes takes the slower path; a function
 * call per value had doubled the cost of the whole key.
 */
function canonicalJson(canonical: ChatRequest): string {
  return canonical.seed === undefined && !hasImageBytes(canonical)
    ? JSON.stringify(canonical)
    : JSON.stringify(canonical, replacer);
}

/** Whether any message carries an image as bytes: the only `bytes` field a request can hold. */
function hasImageBytes(request: ChatRequest): boolean {
  for (const message of request.messages) {
    for (const part of message.content) {
      if (part.part.case === "image" && part.part.value.source.case === "data") return true;
    }
  }
  return false;
}

/**
 * The entry key of a chat request: the namespace's and model's tags (so
 * entries can be cleared by either), then a SHA-256 over the namespace and
 * the request as the cache sees it: the model after alias resolution, the
 * messages, tools, tool choice, response format, sampling parameters,
 * reasoning and `extra`, but not `user`, `metadata`, the routing hints or
 * the cache mode, which do not change the answer. Whether the caller streams
 * is not in the request, so a stream and a unary call share an entry.
 */
export function requestCacheKey(request: ChatRequest, model: string, namespace: string): string {
  // A shallow copy: the fields that count are the caller's own objects, never cloned.
  const canonical: ChatRequest = {
    ...request,
    model,
    user: "",
    metadata: {},
    routing: undefined,
    cache: CacheMode.UNSPECIFIED,
  };
  // One-shot: the same bytes as updates of the namespace, a NUL and the JSON, so the same digest.
  const digest = hash("sha256", `${namespace}\0${canonicalJson(canonical)}`, "base64url");
  return cacheEntryKey(cacheTag(namespace), cacheTag(model), digest);
}
