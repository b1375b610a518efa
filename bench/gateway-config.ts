import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { API_KEY } from "./load.ts";

/**
 * Writes `DIR/NAME.yaml`: the config every benchmark runs the gateway with, so that they all measure the
 * same thing. The full pipeline in front of the mock: one API key (auth runs), a ledger in its own SQLite
 * file (`DIR/NAME.db`), warn-level logs. Only keys every build of the gateway understands, so an older
 * checkout can run it as a baseline. Returns the file's path.
 */
export function writeGatewayConfig(
  dir: string,
  name: string,
  port: number,
  mockUrl: string,
  routing = false,
  limits = false,
  redisUrl?: string,
  passthrough = false,
  guards = false,
  cache: BenchCache = "off",
  cacheMaxEntries = 200_000,
): string {
  const file = join(dir, `${name}.yaml`);
  const yaml = [
    "server:",
    `  port: ${port}`,
    "  shutdown_grace_ms: 1000",
    "providers:",
    "  - name: mock",
    `    base_url: ${mockUrl}/v1`,
    limits
      ? "    models: [{ id: mock-small, pricing: { input: 0.15, output: 0.6 } }]"
      : "    models: [mock-small]",
    ...(routing ? routingProviders(mockUrl) : []),
    "keys:",
    "  - name: bench",
    `    key: ${API_KEY}`,
    "usage:",
    `  path: ${join(dir, `${name}.db`)}`,
    "log:",
    "  level: warn",
    ...(routing ? ROUTING : []),
    ...(limits ? LIMITS : []),
    ...(redisUrl === undefined ? [] : ["redis:", `  url: ${redisUrl}`]),
    ...(passthrough ? PASSTHROUGH : []),
    ...(guards ? GUARDS : []),
    ...(cache === "off" ? [] : cacheConfig(cache, cacheMaxEntries)),
  ];
  writeFileSync(file, `${yaml.join("\n")}\n`);
  return file;
}

/**
 * With `BENCH_ROUTING=1`, the gateway (never the baseline) routes the bench's model over two deployments of
 * the mock (one provider twice, as `mock` and `mock-b`), with the latency strategy, the breaker and a queue
 * on each: what issue 7's performance target measures against the chain without them.
 */
const ROUTING = [
  "routing:",
  "  models:",
  "    - name: mock-small",
  "      strategy: latency",
  "      deployments:",
  "        - { provider: mock, model: mock-small, max_concurrency: 512, max_queue: 512 }",
  "        - { provider: mock-b, model: mock-small, max_concurrency: 512, max_queue: 512 }",
];

/** The second provider the routed bench needs, pointing at the same mock. */
export function routingProviders(mockUrl: string): string[] {
  return ["  - name: mock-b", `    base_url: ${mockUrl}/v1`, "    models: [mock-small]"];
}

/**
 * With `BENCH_LIMITS=1`, the gateway (never the baseline) runs issue 8's policies, embedded: the bench key
 * under a requests-per-minute and a tokens-per-minute limit and a daily USD budget, none of which the
 * bench reaches, so every request pays the admission and the settlement and none is refused. The model is
 * priced so that the budget reserves and settles real amounts.
 */
const LIMITS = [
  "limits:",
  "  per_key: [{ requests: 100000000, tokens: 100000000000, window: 1m }]",
  "budgets:",
  "  per_key: [{ usd: 1000000000, period: day }]",
];

/**
 * With `BENCH_PASSTHROUGH=1`, the gateway (never the baseline) also serves an OpenAI pass-through route
 * under a mount, and the benchmark sends the gateway's requests there (`PASSTHROUGH_PATH` + the chat
 * path): the same chain on a parsed copy, the bytes forwarded unchanged, usage read from the answer.
 */
const PASSTHROUGH = [
  "passthrough:",
  "  mount: /llm-gateway",
  "  routes:",
  "    - { api: openai, allow_private: true }",
];

/**
 * `BENCH_CACHE=exact` (or `1`) runs the gateway with the exact response cache, `semantic` with the
 * semantic cache (local embedder) as well: issue 11. The overhead run then measures the hit path
 * (it sends one body); bench/cache-cost.ts measures misses against hits and against no cache.
 */
export type BenchCache = "off" | "exact" | "semantic";

export function benchCache(value: string | undefined): BenchCache {
  if (value === undefined || value === "" || value === "0" || value === "off") return "off";
  if (value === "1" || value === "exact") return "exact";
  if (value === "semantic") return "semantic";
  throw new Error(`BENCH_CACHE=${value}: use exact (or 1), semantic or off`);
}

/** `maxEntries` also caps the semantic index (cache-setup.ts). */
function cacheConfig(cache: Exclude<BenchCache, "off">, maxEntries: number): string[] {
  return [
    "cache:",
    `  exact: { max_entries: ${maxEntries}, max_bytes: 1073741824 }`,
    ...(cache === "semantic" ? ["  semantic: { enabled: true }"] : []),
  ];
}

/** Where the pass-through route serves the OpenAI API. */
export const PASSTHROUGH_PATH = "/llm-gateway/openai";

/**
 * With `BENCH_GUARDS=1`, the gateway (never the baseline) runs issue 10's input guards (the default rule
 * sets of secrets, injection and PII, logging what they find, which the bench's prompt never trips) and
 * the audit log in `metadata-only` mode: what every request pays for them.
 */
const GUARDS = [
  "guards:",
  "  secrets: { action: log }",
  "  injection: { action: log }",
  "  pii: { action: log }",
  "audit:",
  "  enabled: true",
  "  mode: metadata-only",
];
