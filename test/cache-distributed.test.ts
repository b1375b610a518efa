import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CacheMode } from "../gen/llmgw/v1/chat_pb.js";
import { createLlmgwClient, type LlmgwClient } from "../sdk/client.ts";
import { getCacheStats, invalidateCache, lookupCache, systemMessage, userMessage } from "../sdk/index.ts";
import { createNodeTransport } from "../sdk/node-transport.ts";
import { HELLO } from "./harness/openai-client.ts";
import { RedisServer } from "./harness/redis-server.ts";
import { degradedGauge, eventually, type Replica, startReplica } from "./harness/replicas.ts";

/**
 * The exact cache shared through one real redis-server by two replicas
 * (each a whole gateway with its own mock upstream), CacheService over
 * gRPC, and what a cache does when Redis goes away. The fault test kills
 * Redis, so it runs last.
 */

const ADMIN = "sk-cache-admin-0001";
const USER = "sk-cache-user-00001";
const config = {
  keys: [
    { name: "admin", key: ADMIN, admin: true },
    { name: "user", key: USER },
  ],
  cache: { semantic: { enabled: true } },
};

let redis: RedisServer;
let a: Replica;
let b: Replica;

beforeAll(async () => {
  redis = await RedisServer.start();
  [a, b] = await Promise.all([startReplica(redis, config), startReplica(redis, config)]);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await redis?.stop();
});

const openai = (replica: Replica, key = USER) =>
  new OpenAI({ baseURL: `${replica.url}/v1`, apiKey: key, maxRetries: 0, timeout: 10_000 });
const rpc = (replica: Replica, key = ADMIN): LlmgwClient =>
  createLlmgwClient(createNodeTransport({ baseUrl: replica.url, apiKey: key, protocol: "grpc" }));

let n = 0;
/** One question as the OpenAI SDK sends it, and as the canonical request LookupCache and ChatService take. */
const body = () => {
  const text = `Shared question ${++n}: ${HELLO[0]?.content as string}`;
  return {
    model: "mock-small",
    messages: [{ role: "user" as const, content: text }],
    canonical: { model: "mock-small", messages: [userMessage(text)] },
  };
};
const sdk = ({ model, messages }: ReturnType<typeof body>) => ({ model, messages });
const hit = (completion: object) =>
  (completion as { "x-llmgw"?: { cache_hit?: boolean } })["x-llmgw"]?.cache_hit === true;

describe("the exact cache on Redis", () => {
  it("serves through replica B an answer cached through replica A", async () => {
    const request = body();
    await openai(a).chat.completions.create(sdk(request));
    // The write is off the caller's path: wait until B can see it.
    await eventually(async () => (await lookupCache(rpc(b, USER), request.canonical)).hit);
    const fromB = await openai(b).chat.completions.create(sdk(request));
    expect(hit(fromB)).toBe(true);
    expect(b.mock.requests.filter((r) => r.path.endsWith("/chat/completions"))).toHaveLength(0);
  });

  it("is answered over gRPC too, and the typed cache field bypasses it", async () => {
    const request = body();
    await openai(a).chat.completions.create(sdk(request));
    await eventually(async () => (await lookupCache(rpc(a, USER), request.canonical)).hit);
    const chat = request.canonical;
    const cached = await rpc(b, USER).chat.complete({ chat });
    expect(cached.gateway).toMatchObject({ cacheHit: true, cacheKind: "exact", similarity: 1 });
    const before = b.mock.requests.length;
    const bypassed = await rpc(b, USER).chat.complete({ chat: { ...chat, cache: CacheMode.OFF } });
    expect(bypassed.gateway?.cacheHit).toBe(false);
    expect(b.mock.requests.length).toBe(before + 1);
  });

  it("InvalidateCache on A clears B within a second, and only admins may call it", async () => {
    const request = body();
    await openai(a).chat.completions.create(sdk(request));
    await eventually(async () => (await lookupCache(rpc(b, USER), request.canonical)).hit);
    await expect(invalidateCache(rpc(a, USER), "all")).rejects.toThrow(/admin/);
    const started = Date.now();
    expect(await invalidateCache(rpc(a), { model: "mock-small" })).toBeGreaterThan(0);
    await eventually(async () => !(await lookupCache(rpc(b, USER), request.canonical)).hit, 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    const again = await openai(b).chat.completions.create(sdk(request));
    expect(hit(again)).toBe(false);
  });

  it("reports entries, bytes, hits and misses in GetCacheStats", async () => {
    const request = body();
    await openai(a).chat.completions.create(sdk(request));
    await eventually(async () => (await lookupCache(rpc(a, USER), request.canonical)).hit);
    await openai(a).chat.completions.create(sdk(request));
    const { kinds } = await getCacheStats(rpc(a, USER));
    const exact = kinds.find((k) => k.kind === "exact");
    expect(exact?.entries).toBeGreaterThan(0);
    expect(exact?.bytes).toBeGreaterThan(0);
    expect(exact?.hits).toBeGreaterThan(0);
    expect(exact?.misses).toBeGreaterThan(0);
    expect(exact?.hitRate).toBeGreaterThan(0);
  });

  it("serves through replica B a rephrasing of a question cached through replica A (semantic), within a second", async () => {
    const ask = (replica: Replica, content: string) =>
      openai(replica).chat.completions.create({
        model: "mock-small",
        temperature: 0,
        messages: [
          { role: "system", content: "Semantic across replicas" },
          { role: "user", content },
        ],
      });
    await ask(a, "What is the capital of Portugal?");
    const cached = Date.now();
    // A dry run polls B without storing anything there, so B's answer can only come from A's entry.
    const rephrased = {
      model: "mock-small",
      temperature: 0,
      messages: [systemMessage("Semantic across replicas"), userMessage("what's the capital of portugal")],
    };
    await eventually(async () => (await lookupCache(rpc(b, USER), rephrased)).hit, 1_000);
    expect(Date.now() - cached).toBeLessThan(1_000);
    const upstreamBefore = b.mock.requests.length;
    const answer = await ask(b, "what's the capital of portugal");
    expect((answer as unknown as { "x-llmgw": { cache_kind: string } })["x-llmgw"].cache_kind).toBe(
      "semantic",
    );
    expect(b.mock.requests.length).toBe(upstreamBefore);
  });

  it("with Redis killed, fails open (calls go upstream) with the degraded gauge at 1, and recovers", async () => {
    const request = body();
    expect(await degradedGauge(a, "cache")).toBe(0);
    await redis.kill();
    const before = a.mock.requests.length;
    const first = await openai(a).chat.completions.create(sdk(request));
    const second = await openai(a).chat.completions.create(sdk(request));
    expect(hit(first) || hit(second)).toBe(false);
    expect(a.mock.requests.length).toBe(before + 2);
    expect(await degradedGauge(a, "cache")).toBe(1);
    await redis.restart();
    await eventually(async () => {
      await openai(a).chat.completions.create(sdk(request));
      return (await degradedGauge(a, "cache")) === 0;
    }, 10_000);
    await eventually(async () => hit(await openai(a).chat.completions.create(sdk(request))), 5_000);
  });
});
