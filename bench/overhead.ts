/**
 * Overhead benchmark (`npm run bench`): the gateway's full pipeline, a bare undici reverse proxy (the
 * floor) and the mock upstream called directly, side by side in one run, all in front of the same mock
 * process. Measures CPU per request of the target process at saturation and at a fixed rate, latency at
 * that rate, time to first streamed byte, RSS and V8 allocation per request; checks the targets;
 * profiles the gateway when it misses one. With `BENCH_BASELINE=DIR`, a second gateway started from another
 * checkout (an older commit) is measured in the same slices, so a change is compared with what it replaced.
 * Writes bench/results/latest.json and a dated markdown report. Durations come from the environment: see
 * bench/README.md.
 */

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { baselineFromEnv } from "./baseline.ts";
import {
  type Child,
  canPin,
  freePort,
  pin,
  ROOT,
  spawnNode,
  stop,
  stopAll,
  waitForHttp,
} from "./children.ts";
import { benchCache, PASSTHROUGH_PATH, writeGatewayConfig } from "./gateway-config.ts";
import { allocationSites, formatAllocations } from "./heap-sites.ts";
import { client, firstByte, paced, saturate } from "./load.ts";
import { compare, difference, overheadSection, scrapeOverhead } from "./overhead-histogram.ts";
import { type Bench, emptyFigures, fixedRate, saturation, streaming, type Target, warmUp } from "./phases.ts";
import { machineInfo } from "./proc-stats.ts";
import { formatProfile, summarizeProfile } from "./profile.ts";
import { startRedis } from "./redis-process.ts";
import {
  consoleTable,
  markdown,
  noise,
  type Results,
  type Settings,
  type TargetKey,
  verdicts,
} from "./report.ts";
import { checkRpc, defaultRpcClient } from "./rpc-load.ts";
import { measureRpc, type RpcFigures, type RpcGateway, rpcVerdicts } from "./rpc-phase.ts";

function envNumber(name: string, fallback: number, allowZero = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero)) {
    throw new Error(`${name} must be a ${allowZero ? "non-negative" : "positive"} number, got "${raw}"`);
  }
  return n;
}

const quick = process.env.BENCH_QUICK === "1";
const settings: Settings = {
  seconds: envNumber("BENCH_SECONDS", quick ? 4 : 12),
  sliceSeconds: envNumber("BENCH_SLICE_SECONDS", 2),
  warmupSeconds: envNumber("BENCH_WARMUP_SECONDS", quick ? 2 : 5),
  connections: envNumber("BENCH_CONNECTIONS", 50),
  rate: envNumber("BENCH_RATE", 500),
  ttfbRequests: envNumber("BENCH_TTFB_REQUESTS", quick ? 600 : 3000),
  ttfbConcurrency: envNumber("BENCH_TTFB_CONCURRENCY", 2),
  noisePct: envNumber("BENCH_NOISE_PCT", 25),
  retries: envNumber("BENCH_RETRIES", 3, true),
  tokens: envNumber("BENCH_TOKENS", 16),
  rpcRequests: envNumber("BENCH_RPC_REQUESTS", quick ? 1000 : 3000),
  rpcRounds: envNumber("BENCH_RPC_ROUNDS", quick ? 2 : 3, true),
  pinning: "",
};
/** "auto": profile only when the gateway misses a target; "1": always; "0": never. */
const profileMode = process.env.BENCH_PROFILE ?? "auto";
/** BENCH_PASSTHROUGH=1: the gateway is measured through an OpenAI pass-through route. */
const passthrough = process.env.BENCH_PASSTHROUGH === "1";
const profileSeconds = envNumber("BENCH_PROFILE_SECONDS", quick ? 4 : 10);
/** Another checkout whose gateway is measured beside this one, or undefined. */
const baseline = baselineFromEnv(process.env.BENCH_BASELINE);

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** Core 0 runs the load generator (this process) and the upstream mock; core 1 the target under test. */
const LOAD_CORE = 0;
const TARGET_CORE = 1;
const pinning = process.env.BENCH_PIN !== "0" && canPin(machineInfo().nproc);
settings.pinning = pinning
  ? `taskset: target on core ${TARGET_CORE}; load generator and upstream mock on core ${LOAD_CORE} ` +
    `(the mock moves to core ${TARGET_CORE} while it is the target)`
  : "none (taskset missing, fewer than 2 cores, or BENCH_PIN=0)";
const loadCore = pinning ? LOAD_CORE : undefined;
const targetCore = pinning ? TARGET_CORE : undefined;
/** Every target prints one line per GC event; the benchmark sums their `allocated=` and `pause=`. */
const GC_FLAGS = ["--trace-gc-nvp"];

/**
 * Starts `server/cli.ts serve` from `cwd`: this checkout for the gateway, another one for the baseline
 * (its `server/cli.ts`, run from its own root so that its own imports and node_modules resolve).
 */
async function startGatewayProcess(
  config: string,
  port: number,
  flags: string[],
  key: TargetKey = "gateway",
  cwd = ROOT,
): Promise<Target> {
  const child = spawnNode(key, ["server/cli.ts", "serve", "--config", config], flags, targetCore, cwd);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, child);
  return { key, url, child, pool: client(url) };
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
/** Streams a target has to keep in flight while it is profiled, enough to keep it busy. */
const PROFILE_STREAMS = 8;

/**
 * Restarts the gateway under `--cpu-prof`, saturates it with plain requests, then with streamed ones,
 * stops it and summarises each window of the profile.
 */
async function profileGateway(dir: string, config: string, port: number, mock: Child) {
  const profDir = join(dir, "prof");
  const flags = ["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-interval", "250"];
  const gateway = await startGatewayProcess(config, port, flags);
  pin(mock.pid, loadCore);
  log(
    `profiling the gateway: warm-up, ${profileSeconds} s at saturation, ${profileSeconds / 2} s of streams`,
  );
  await saturate(gateway.url, settings.connections, settings.warmupSeconds);
  const plainStart = nowUs();
  await saturate(gateway.url, settings.connections, profileSeconds);
  const plain = { startUs: plainStart, endUs: nowUs() };
  await firstByte(gateway.pool, 500, PROFILE_STREAMS);
  const streamStart = nowUs();
  while (nowUs() < streamStart + profileSeconds * 500_000) {
    await firstByte(gateway.pool, 500, PROFILE_STREAMS);
  }
  const streams = { startUs: streamStart, endUs: nowUs() };
  await gateway.pool.close();
  await stop(gateway.child, 15_000);
  const file = readdirSync(profDir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error("the gateway wrote no .cpuprofile");
  const kept = "bench/results/gateway-latest.cpuprofile";
  copyFileSync(join(profDir, file), join(ROOT, kept));
  const summary = [
    `### Plain requests at saturation (${settings.connections} connections, ${profileSeconds} s)`,
    "",
    formatProfile(summarizeProfile(join(ROOT, kept), plain)),
    `### Streamed requests (\`"stream": true\`, ${PROFILE_STREAMS} at a time, ${profileSeconds / 2} s)`,
    "",
    formatProfile(summarizeProfile(join(ROOT, kept), streams)),
  ].join("\n");
  return { file: kept, seconds: profileSeconds, summary };
}

/** Restarts the gateway under the inspector and samples its allocations at the fixed rate. */
async function allocationProfile(config: string, port: number, mock: Child): Promise<string> {
  const gateway = await startGatewayProcess(config, port, ["--inspect=127.0.0.1:0", "--expose-gc"]);
  pin(mock.pid, loadCore);
  const seconds = Math.max(4, profileSeconds);
  log(`sampling the gateway's allocations: warm-up, then 2 × ${seconds} s at ${settings.rate} req/s`);
  try {
    await saturate(gateway.url, settings.connections, settings.warmupSeconds);
    await paced(gateway.pool, settings.rate, 2);
    const load = async () => (await paced(gateway.pool, settings.rate, seconds)).latencies.length;
    const all = await allocationSites(gateway.child, load, false);
    const survivors = await allocationSites(gateway.child, load, true);
    return formatAllocations(all, survivors);
  } finally {
    await gateway.pool.close();
    await stop(gateway.child);
  }
}

/**
 * The typed API against REST on h2c (bench/rpc-phase.ts), on the gateways as they are after the other
 * phases; skipped with BENCH_RPC_ROUNDS=0. The load generator shares the load core with the mock.
 */
async function rpcPhase(gateways: RpcGateway[], dir: string): Promise<RpcFigures | undefined> {
  if (settings.rpcRounds === 0) return undefined;
  for (const gateway of gateways) await checkRpc(gateway.url);
  const load = {
    connections: 10,
    streams: 10,
    client: defaultRpcClient(),
    dir,
    ...(loadCore === undefined ? {} : { core: loadCore }),
  };
  return measureRpc(gateways, { requests: settings.rpcRequests, rounds: settings.rpcRounds, load, log });
}

async function main(): Promise<void> {
  if (process.platform !== "linux") throw new Error("the benchmark reads /proc: it runs on Linux only");
  const machine = machineInfo();
  if (pinning) pin(process.pid, LOAD_CORE);
  log(`settings ${JSON.stringify(settings)}`);
  if (baseline)
    log(`baseline: a second gateway from ${baseline.dir} (${baseline.commit ?? "not a git checkout"})`);
  const dir = mkdtempSync(join(tmpdir(), "llmgw-bench-"));
  // Also on Ctrl-C, which exits from the signal handler without reaching `finally`.
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const pools: Target[] = [];
  try {
    const tokens = String(settings.tokens);
    const mock = spawnNode(
      "mock",
      ["server/cli.ts", "mock", "--port", "0", "--tokens", tokens],
      GC_FLAGS,
      loadCore,
    );
    const mockUrl = String((await mock.firstJson).url);
    const floor = spawnNode("floor", ["bench/floor-proxy.ts", "--upstream", mockUrl], GC_FLAGS, targetCore);
    const floorUrl = String((await floor.firstJson).url);
    const port = await freePort();
    // BENCH_REDIS=1 (with BENCH_LIMITS=1): the limits and the budget count in a real redis-server.
    let redisUrl: string | undefined;
    if (process.env.BENCH_REDIS === "1") {
      const redisPort = await freePort();
      const redis = await startRedis(redisPort, loadCore);
      process.once("exit", () => redis.kill("SIGKILL"));
      redisUrl = `redis://127.0.0.1:${redisPort}`;
      log(`limits and budgets on redis-server at ${redisUrl}`);
    }
    const config = writeGatewayConfig(
      dir,
      "gateway",
      port,
      mockUrl,
      process.env.BENCH_ROUTING === "1",
      process.env.BENCH_LIMITS === "1",
      redisUrl,
      passthrough,
      process.env.BENCH_GUARDS === "1",
      benchCache(process.env.BENCH_CACHE),
    );
    const gateway = await startGatewayProcess(config, port, GC_FLAGS);
    if (passthrough) {
      // Every phase then measures the gateway through its pass-through route.
      await gateway.pool.close();
      gateway.url += PASSTHROUGH_PATH;
      gateway.pool = client(gateway.url);
      log(`the gateway is measured through its pass-through route ${PASSTHROUGH_PATH}`);
    }
    const targets: Target[] = [
      { key: "direct", url: mockUrl, child: mock, pool: client(mockUrl) },
      { key: "floor", url: floorUrl, child: floor, pool: client(floorUrl) },
      gateway,
    ];
    pools.push(...targets);
    let baselineTarget: Target | undefined;
    if (baseline) {
      // The same config shape, with a ledger file of its own.
      const baselineDir = join(dir, "baseline");
      mkdirSync(baselineDir);
      const baselinePort = await freePort();
      const baselineConfig = writeGatewayConfig(baselineDir, "baseline", baselinePort, mockUrl);
      baselineTarget = await startGatewayProcess(
        baselineConfig,
        baselinePort,
        GC_FLAGS,
        "baseline",
        baseline.dir,
      );
      targets.push(baselineTarget);
      pools.push(baselineTarget);
    }

    const bench: Bench = {
      settings,
      targets,
      // The mock sits on the target core while it is the target, beside the load generator otherwise.
      arrange: (target) => pin(mock.pid, target.child === mock ? targetCore : loadCore),
      retried: 0,
      log,
    };
    const { figures, slices } = emptyFigures(bench);
    await warmUp(bench, figures);
    await saturation(bench, figures, slices);
    // The gateway's own overhead histogram over exactly the fixed-rate phase's requests.
    const metricsUrl = `http://127.0.0.1:${port}`;
    const beforeRate = await scrapeOverhead(metricsUrl);
    await fixedRate(bench, figures, slices);
    const rateBuckets = difference(beforeRate, await scrapeOverhead(metricsUrl));
    await streaming(bench, figures, slices);
    const rpc = await rpcPhase(
      [
        { name: "gateway", url: `http://127.0.0.1:${port}`, pid: gateway.child.pid ?? 0 },
        ...(baselineTarget
          ? [{ name: "baseline", url: baselineTarget.url, pid: baselineTarget.child.pid ?? 0 }]
          : []),
      ],
      dir,
    );

    const noisy = noise(figures, slices, bench.retried);
    const results: Results = {
      date: new Date().toISOString(),
      machine,
      settings,
      figures,
      slices,
      ...(baseline ? { baseline } : {}),
      verdicts: [
        ...verdicts(figures, settings.rate, noisy.noisy),
        ...(rpc ? rpcVerdicts(rpc, "gateway") : []),
      ],
      noise: noisy,
      ...(rpc ? { rpc } : {}),
    };
    process.stdout.write(`\n${consoleTable(results)}\n\n`);
    const selfMeasured = overheadSection(compare(rateBuckets, figures.gateway, figures.floor), settings.rate);
    process.stdout.write(`${selfMeasured}\n`);

    mkdirSync(join(ROOT, "bench/results"), { recursive: true });
    if (profileMode === "1" || (profileMode === "auto" && results.verdicts.some((v) => !v.pass))) {
      await gateway.pool.close();
      await stop(gateway.child);
      // Only the current gateway is profiled; an idle baseline on the same core would just be in the way.
      if (baselineTarget) await stop(baselineTarget.child);
      results.profile = await profileGateway(dir, config, port, mock);
      results.profile.allocations = await allocationProfile(config, port, mock);
      process.stdout.write(`${results.profile.summary}\n${results.profile.allocations}\n`);
    }
    const day = results.date.slice(0, 10);
    writeFileSync(join(ROOT, "bench/results/latest.json"), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(ROOT, `bench/results/${day}-overhead.md`), `${markdown(results)}\n${selfMeasured}`);
    log(`wrote bench/results/latest.json and bench/results/${day}-overhead.md`);
  } finally {
    await Promise.allSettled(pools.map((t) => t.pool.close()));
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(async (error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  await stopAll();
  process.exit(1);
});
