/**
 * What the response cache costs and saves (issue 11), against real processes:
 * one mock upstream and three gateways (no cache, the exact cache, the exact
 * and semantic caches with the local embedder), each `llmgw serve` in a
 * process of its own on the target core.
 *
 *   node bench/cache-cost.ts            (BENCH_CACHE_KINDS=off,exact leaves the semantic one out)
 *
 * - The cached gateways are first filled with BENCH_CACHE_ENTRIES distinct
 *   requests (default 10,000), so the semantic index holds that many entries
 *   in the bench's partition (one model, one system prompt: the worst case).
 * - Then, for BENCH_CACHE_ROUNDS rounds (default 5), each gateway in turn
 *   (the order rotating) gets BENCH_CACHE_REQUESTS new requests (default 400,
 *   8 in flight), every one a miss: the gateway process's CPU time per
 *   request, from /proc, and the latency of each. Then the cached gateways get
 *   as many repeats of one request they have cached: the hits' latency.
 *
 * Prompts are random sentences of BENCH_CACHE_WORDS words (default 40) from a
 * fixed vocabulary (bench/cache-prompts.ts, a seeded generator), so no two are
 * near enough for the semantic cache to match; every request has
 * `temperature: 0` so the semantic cache applies to it.
 * BENCH_CACHE_MAX_ENTRIES (default 200,000) is the gateways'
 * `cache.exact.max_entries`, which caps the semantic index too: 10000 (the
 * default config) keeps the index full, so each miss also evicts one entry.
 * BENCH_CACHE_BASELINE=DIR adds the semantic gateway of another checkout, in
 * the same rounds; BENCH_CACHE_CPU_PROF=DIR runs every gateway under
 * `--cpu-prof`, writing its profile there when it stops. Results go to
 * stdout as a table; the figures of the last run are in
 * bench/results/2026-12-01-cache.md.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pool } from "undici";
import { questions } from "./cache-prompts.ts";
import { canPin, freePort, pin, spawnNode, stopAll, waitForHttp } from "./children.ts";
import { type BenchCache, writeGatewayConfig } from "./gateway-config.ts";
import { API_KEY, client, PATH, percentiles, SYSTEM } from "./load.ts";
import { cpuMicros, machineBusyMicros } from "./proc-stats.ts";

const ENTRIES = Number(process.env.BENCH_CACHE_ENTRIES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_CACHE_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_CACHE_REQUESTS ?? 400);
const IN_FLIGHT = 8;
/** Which gateways to run, e.g. `off,exact` to leave out the semantic one, whose filling is slow. */
const KINDS = (process.env.BENCH_CACHE_KINDS ?? "off,exact,semantic").split(",") as BenchCache[];
/** A directory: the gateways then run under `--cpu-prof`, each writing its profile there when it stops. */
const CPU_PROF = process.env.BENCH_CACHE_CPU_PROF;
const HEADERS = { "content-type": "application/json", authorization: `Bearer ${API_KEY}` };

const WORDS_PER_QUESTION = Number(process.env.BENCH_CACHE_WORDS ?? 40);
/** The gateways' `cache.exact.max_entries`, which also caps the semantic index. */
const MAX_ENTRIES = Number(process.env.BENCH_CACHE_MAX_ENTRIES ?? 200_000);
/** A checkout of this repository (with node_modules): its gateway, with the semantic cache, is measured too. */
const BASELINE = process.env.BENCH_CACHE_BASELINE;

const question = questions(11, WORDS_PER_QUESTION);
/** A new request body: the bench's system prompt and a random question. */
function freshBody(): string {
  return JSON.stringify({
    model: "mock-small",
    temperature: 0,
    max_tokens: 256,
    messages: [
      { role: "system", content: SYSTEM },
      { role: "user", content: question() },
    ],
  });
}

interface Gateway {
  /** The setup, as the table names it: a cache kind, or `semantic (baseline)`. */
  readonly cache: string;
  readonly pid: number;
  readonly pool: Pool;
  /** One request it has cached, for the hits. */
  cached?: string;
}

/** Sends `bodies` with IN_FLIGHT at a time; returns each request's latency in µs. */
async function send(pool: Pool, bodies: readonly string[]): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++] as string;
      const started = performance.now();
      const res = await pool.request({ method: "POST", path: PATH, headers: HEADERS, body });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
      latencies.push((performance.now() - started) * 1000);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return latencies;
}

interface Round {
  cpuUsPerMiss: number;
  /** Other work on the machine during the round, in % of one core. */
  otherPct: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "llmgw-cache-bench-"));
  const pinned = canPin(2);
  const loadCore = pinned ? 0 : undefined;
  const targetCore = pinned ? 1 : undefined;
  try {
    const mock = spawnNode("mock", ["server/cli.ts", "mock", "--port", "0", "--tokens", "16"], [], loadCore);
    const mockUrl = String((await mock.firstJson).url);
    const gateways: Gateway[] = [];
    const setups: { cache: BenchCache; label: string; cwd?: string }[] = KINDS.map((cache) => ({
      cache,
      label: cache,
    }));
    if (BASELINE !== undefined)
      setups.push({ cache: "semantic", label: "semantic (baseline)", cwd: BASELINE });
    for (const { cache, label, cwd } of setups) {
      const port = await freePort();
      const name = `gateway-${label.replace(/\W+/g, "-")}`;
      const config = writeGatewayConfig(
        dir,
        name,
        port,
        mockUrl,
        false,
        false,
        undefined,
        false,
        false,
        cache,
        MAX_ENTRIES,
      );
      const child = spawnNode(
        name,
        ["server/cli.ts", "serve", "--config", config],
        CPU_PROF === undefined
          ? []
          : ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${name}.cpuprofile`],
        targetCore,
        cwd,
      );
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/health`, child);
      gateways.push({ cache: label, pid: child.pid, pool: client(url, IN_FLIGHT) });
    }
    if (pinned) pin(process.pid, loadCore);

    // Fill the caches: ENTRIES distinct requests each, and one to repeat for the hits.
    const fill = Array.from({ length: ENTRIES }, freshBody);
    for (const g of gateways) {
      if (g.cache === "off") continue;
      const started = performance.now();
      await send(g.pool, fill);
      g.cached = fill[0];
      console.log(
        `filled the ${g.cache} gateway with ${ENTRIES} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    // The writes are off the request path: let them land.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const rounds = new Map<string, Round[]>(gateways.map((g) => [g.cache, []]));
    const misses = new Map<string, number[]>(gateways.map((g) => [g.cache, []]));
    const hits = new Map<string, number[]>(gateways.map((g) => [g.cache, []]));
    // A warm-up round, not counted.
    for (const g of gateways) await send(g.pool, Array.from({ length: REQUESTS / 2 }, freshBody));
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < gateways.length; i++) {
        const g = gateways[(round + i) % gateways.length] as Gateway;
        const bodies = Array.from({ length: REQUESTS }, freshBody);
        const cpuBefore = cpuMicros(g.pid);
        const busyBefore = machineBusyMicros();
        const ownBefore = cpuMicros(process.pid) + cpuMicros(mock.pid) + cpuBefore;
        const started = performance.now();
        misses.get(g.cache)?.push(...(await send(g.pool, bodies)));
        const wallUs = (performance.now() - started) * 1000;
        const cpu = cpuMicros(g.pid) - cpuBefore;
        const own = cpuMicros(process.pid) + cpuMicros(mock.pid) + cpuMicros(g.pid) - ownBefore;
        const other = Math.max(0, machineBusyMicros() - busyBefore - own);
        rounds.get(g.cache)?.push({ cpuUsPerMiss: cpu / REQUESTS, otherPct: (100 * other) / wallUs });
        if (g.cached !== undefined)
          hits.get(g.cache)?.push(
            ...(await send(
              g.pool,
              Array.from({ length: REQUESTS }, () => g.cached as string),
            )),
          );
      }
    }

    const base = median(rounds.get("off")?.map((r) => r.cpuUsPerMiss) ?? [Number.NaN]);
    console.log(
      "\n| gateway | CPU per miss, µs (median, range) | vs no cache | miss p50 / p99 ms | hit p50 / p99 ms | other work, % of a core | CPU per miss by round, µs |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    for (const g of gateways) {
      const cpu = rounds.get(g.cache)?.map((r) => r.cpuUsPerMiss) ?? [];
      const m = percentiles(misses.get(g.cache) ?? []);
      const h = hits.get(g.cache) ?? [];
      const hp = h.length === 0 ? undefined : percentiles(h);
      const other = rounds.get(g.cache)?.map((r) => r.otherPct) ?? [];
      const vs = g.cache === "off" ? "—" : `${(((median(cpu) - base) / base) * 100).toFixed(1)} %`;
      console.log(
        `| ${g.cache} | ${median(cpu).toFixed(0)} (${Math.min(...cpu).toFixed(0)}–${Math.max(...cpu).toFixed(0)}) | ${vs} | ` +
          `${m.p50.toFixed(2)} / ${m.p99.toFixed(2)} | ${hp === undefined ? "—" : `${hp.p50.toFixed(2)} / ${hp.p99.toFixed(2)}`} | ` +
          `${Math.min(...other).toFixed(0)}–${Math.max(...other).toFixed(0)} | ${cpu.map((c) => c.toFixed(0)).join(", ")} |`,
      );
    }
    console.log(
      `\n${ROUNDS} rounds of ${REQUESTS} misses (and ${REQUESTS} hits) per gateway, ${IN_FLIGHT} in flight, ${ENTRIES} entries cached, ` +
        `max_entries ${MAX_ENTRIES}, ${WORDS_PER_QUESTION} words a question; pinned: ${pinned}`,
    );
    await Promise.all(gateways.map((g) => g.pool.close()));
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

await main();
