/**
 * The cache policy's own CPU per miss and per hit, in-process (issue 11):
 * the real policy, stores and embedder around a `next` that answers at once
 * with a 16-token completion, so what is timed is only what the cache adds.
 * Each setup first holds BENCH_CACHE_ENTRIES entries (default 10,000) in the
 * bench's partition (one model, one system prompt), then answers
 * BENCH_CACHE_REQUESTS new requests (misses, each stored and indexed) and as
 * many repeats (hits). The questions are bench/cache-cost.ts's (cache-prompts.ts),
 * BENCH_CACHE_WORDS words each (default 40, as that bench sends);
 * BENCH_CACHE_MAX_ENTRIES (default 200,000) caps the store and the index. Compare with the gateway's CPU per request from
 * bench/cache-cost.ts (about 1.2–1.5 ms here) for the share a miss adds.
 *
 *   node bench/cache-miss-cost.ts
 */
import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { ChatRequestSchema, CompleteResponseSchema, FinishReason, Role } from "../gen/llmgw/v1/chat_pb.js";
import { TokenUsageSchema } from "../gen/llmgw/v1/usage_pb.js";
import { createCall } from "../server/core/call.ts";
import { compose, type Next } from "../server/core/chain.ts";
import { withEndHooks } from "../server/core/end-runner.ts";
import { cachePolicy } from "../server/policy/cache/cache-policy.ts";
import { ExactCache } from "../server/policy/cache/exact-cache.ts";
import { LocalEmbedder } from "../server/policy/cache/semantic/local-embedder.ts";
import { SemanticCache } from "../server/policy/cache/semantic-cache.ts";
import { StoreHealth } from "../server/policy/store-health.ts";
import { MemoryCacheStore } from "../server/state/memory/memory-cache-store.ts";
import { MemoryVectorIndex } from "../server/state/memory/memory-vector-index.ts";
import { CacheMetrics } from "../server/telemetry/cache-metrics.ts";
import { questions } from "./cache-prompts.ts";
import { SYSTEM } from "./load.ts";

const ENTRIES = Number(process.env.BENCH_CACHE_ENTRIES ?? 10_000);
const REQUESTS = Number(process.env.BENCH_CACHE_REQUESTS ?? 2_000);

/** Words per question: 40 (what bench/cache-cost.ts sends) make a dense local-embedder vector, 10 a sparse one. */
const WORDS_PER_QUESTION = Number(process.env.BENCH_CACHE_WORDS ?? 40);
/** The exact store's and the index's most entries: 10000 (the default config) keeps the index full. */
const MAX_ENTRIES = Number(process.env.BENCH_CACHE_MAX_ENTRIES ?? 200_000);
const question = questions(7, WORDS_PER_QUESTION);
/**
 * KB of memory written between two requests (default 0): what the rest of a real request's work (HTTP,
 * JSON, protobuf, logs, other requests in flight) does to the CPU caches in a gateway. It runs in the
 * timed loops with and without the cache alike, so it cancels out of what the cache adds.
 */
const EVICT_KB = Number(process.env.BENCH_CACHE_EVICT_KB ?? 0);
const scratch = new Int32Array((EVICT_KB * 1024) / 4);
const evict = () => {
  for (let i = 0; i < scratch.length; i += 16) scratch[i] = (scratch[i] as number) + 1;
};

const ANSWER = create(CompleteResponseSchema, {
  id: "c",
  model: "mock-small",
  choices: [
    {
      index: 0,
      finishReason: FinishReason.STOP,
      message: {
        role: Role.ASSISTANT,
        content: [
          {
            part: {
              case: "text",
              value:
                "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et",
            },
          },
        ],
      },
    },
  ],
  usage: create(TokenUsageSchema, { promptTokens: 90, completionTokens: 16, totalTokens: 106 }),
});
const next: Next = () =>
  Promise.resolve({ kind: "complete", response: create(CompleteResponseSchema, ANSWER) });

function call(text: string) {
  const c = createCall({
    requestId: "r",
    surface: "bench",
    signal: new AbortController().signal,
    startedAt: performance.now(),
    deadline: Number.POSITIVE_INFINITY,
    credential: undefined,
    op: "chat",
    stream: false,
  });
  c.key = { name: "bench", admin: false, priority: 0, team: "" };
  c.chat = create(ChatRequestSchema, {
    model: "mock-small",
    temperature: 0,
    maxTokens: 256,
    messages: [
      { role: Role.SYSTEM, content: [{ part: { case: "text", value: SYSTEM } }] },
      { role: Role.USER, content: [{ part: { case: "text", value: text } }] },
    ],
  });
  return c;
}

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function measure(semanticOn: boolean): Promise<{ miss: number; hit: number; none: number }> {
  const log = pino({ level: "silent" });
  const health = () => new StoreHealth(log, true, { store: "cache", whenOpen: "uncached" });
  const exact = new ExactCache(
    new MemoryCacheStore({ maxEntries: MAX_ENTRIES, maxBytes: 2 ** 30 }),
    3_600_000,
    health(),
  );
  const semantic = semanticOn
    ? new SemanticCache({
        embedder: new LocalEmbedder(),
        index: new MemoryVectorIndex({ bruteForceMax: 1_000, maxEntries: MAX_ENTRIES }),
        scope: "last_user_message",
        threshold: 0.95,
        thresholds: {},
        allowSampling: false,
        ttlMs: 3_600_000,
        health: health(),
      })
    : undefined;
  const policy = cachePolicy({
    exact,
    semantic,
    exactLookups: true,
    namespace: "global",
    resolveModel: (name) => name,
    bypassKeys: new Set(),
    bypassModels: new Set(),
    known: { knows: () => true },
    metrics: new CacheMetrics(),
  });
  const withCache = withEndHooks(compose([policy], next), (error) => {
    throw error;
  });
  const without = withEndHooks(next, (error) => {
    throw error;
  });
  for (let i = 0; i < ENTRIES; i++) {
    await withCache(call(question()));
    if (i % 256 === 0) await settle();
  }
  await settle();
  const texts = Array.from({ length: REQUESTS }, question);
  let started = cpuUs();
  for (const text of texts) {
    evict();
    await without(call(text));
  }
  const none = (cpuUs() - started) / REQUESTS;
  started = cpuUs();
  for (const text of texts) {
    evict();
    await withCache(call(text));
  }
  await settle();
  const miss = (cpuUs() - started) / REQUESTS;
  started = cpuUs();
  for (const text of texts) {
    evict();
    await withCache(call(text));
  }
  const hit = (cpuUs() - started) / REQUESTS;
  return { miss: miss - none, hit: hit - none, none };
}

console.log(
  `${WORDS_PER_QUESTION} words a question, max_entries ${MAX_ENTRIES}, ${EVICT_KB} KB written between requests\n`,
);
console.log(`| cache | entries | CPU a miss adds, µs | CPU a hit adds, µs | the request without cache, µs |`);
console.log(`| --- | --- | --- | --- | --- |`);
for (const semanticOn of process.env.BENCH_CACHE_SEMANTIC === "0" ? [false] : [false, true]) {
  const r = await measure(semanticOn);
  console.log(
    `| ${semanticOn ? "exact + semantic (local)" : "exact"} | ${ENTRIES} | ${r.miss.toFixed(1)} | ${r.hit.toFixed(1)} | ${r.none.toFixed(1)} |`,
  );
}
