/**
 * Servers side by side, in one interleaved run: the floor proxy, the gateway on its one-port `node:http`
 * server, the same gateway served through fastify (bench/fastify-server.ts, with `COMPARE_FASTIFY=1`),
 * and the gateway of another checkout (`COMPARE_BASELINE=DIR`, a before/after). Per round, each target
 * in turn (a different one first each round): CPU per request at saturation (autocannon), CPU per
 * request and p50/p99 at a fixed rate (open loop), CPU per stream and time to first byte (streamed
 * chats). All in front of one mock, targets pinned to core 1, load and mock on core 0, as `npm run bench`
 * does. Prints a markdown table: medians, per-round ranges, and each figure's ratio to the floor's.
 *
 *   node bench/server-compare.ts
 *
 * COMPARE_ROUNDS (5), COMPARE_SECONDS (2, per phase per round), COMPARE_STREAMS (300, per round),
 * COMPARE_RATE (500), COMPARE_TOKENS (16, the mock's answer length), COMPARE_PHASES
 * (`saturation,rate,stream`), COMPARE_PROFILE=stream|unary: afterwards,
 * a `--cpu-prof` run of the gateway on that load, summarised by bench/profile.ts (kept in bench/out/).
 */

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
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
import { writeGatewayConfig } from "./gateway-config.ts";
import { client, firstByte, paced, percentiles, saturate } from "./load.ts";
import { cpuMicros, machineBusyMicros, machineInfo } from "./proc-stats.ts";
import { formatProfile, summarizeProfile } from "./profile.ts";
import { roundOrder } from "./round-order.ts";

/** A non-negative number from the environment, or `fallback` when unset or not one. */
function env(name: string, fallback: number): number {
  const n = Number(process.env[name] ?? Number.NaN);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}
const ROUNDS = env("COMPARE_ROUNDS", 5);
const SECONDS = env("COMPARE_SECONDS", 2);
const STREAMS = env("COMPARE_STREAMS", 300);
const RATE = env("COMPARE_RATE", 500);
const TOKENS = env("COMPARE_TOKENS", 16);
const PHASES = new Set((process.env.COMPARE_PHASES ?? "saturation,rate,stream").split(","));
const PROFILE = process.env.COMPARE_PROFILE;
/** A measurement during which other work used more than this % of a core is taken again… */
const NOISE_PCT = env("COMPARE_NOISE_PCT", 40);
/** …up to this many times. */
const RETRIES = env("COMPARE_RETRIES", 2);
/** Every process of this benchmark (itself, the mock, the targets): what is not theirs is other work. */
const OWN: number[] = [process.pid];
const baseline = baselineFromEnv(process.env.COMPARE_BASELINE);
const pinning = canPin(machineInfo().nproc);
const LOAD = pinning ? 0 : undefined;
const TARGET = pinning ? 1 : undefined;
const log = (message: string) => process.stderr.write(`compare: ${message}\n`);

interface Target {
  name: string;
  url: string;
  child: Child;
  pool: ReturnType<typeof client>;
  figures: Record<string, number[]>;
}

const FIGURES = [
  ["cpuSat", "CPU/request at saturation (µs)", "saturation"],
  ["rps", "throughput at saturation (req/s)", "saturation"],
  ["cpuRate", `CPU/request at ${RATE} req/s (µs)`, "rate"],
  ["p50", `p50 at ${RATE} req/s (ms)`, "rate"],
  ["p99", `p99 at ${RATE} req/s (ms)`, "rate"],
  ["cpuStream", "CPU/stream (µs)", "stream"],
  ["ttfb", "TTFB p50, streaming (ms)", "stream"],
  ["ttfb99", "TTFB p99, streaming (ms)", "stream"],
  ["other", "other work on the machine (% of a core)", "any"],
] as const;

/** Starts a target; `port` when it listens there, else it announces its url in a JSON line. */
async function start(
  name: string,
  args: string[],
  port?: number,
  cwd = ROOT,
  flags: string[] = [],
): Promise<Target> {
  const child = spawnNode(name, args, flags, TARGET, cwd);
  OWN.push(child.pid);
  const url = port === undefined ? String((await child.firstJson).url) : `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, child);
  return { name, url, child, pool: client(url), figures: {} };
}

/** One round's measurement of one target; each figure lands in `target.figures`. */
async function measure(target: Target): Promise<void> {
  const put = (key: string, value: number) => {
    target.figures[key] ??= [];
    target.figures[key].push(value);
  };
  /** Runs `run` and returns its result with the target's CPU µs, again while other work was too busy. */
  const cpu = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
    for (let attempt = 0; ; attempt++) {
      const own = () => OWN.reduce((sum, pid) => sum + cpuMicros(pid), 0);
      const [busy0, own0, t0] = [machineBusyMicros(), own(), performance.now()];
      const before = cpuMicros(target.child.pid);
      const result = await run();
      const used = cpuMicros(target.child.pid) - before;
      const wallUs = (performance.now() - t0) * 1000;
      const otherPct = (100 * (machineBusyMicros() - busy0 - (own() - own0))) / wallUs;
      if (otherPct <= NOISE_PCT || attempt >= RETRIES) {
        put("other", otherPct);
        return [result, used];
      }
      log(`${target.name}: other work used ${otherPct.toFixed(0)} % of a core; measuring again`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  if (PHASES.has("saturation")) {
    const [sat, us] = await cpu(() => saturate(target.url, 50, SECONDS));
    if (sat.failed > 0) log(`${target.name}: ${sat.failed} failed at saturation`);
    put("cpuSat", us / sat.completed);
    put("rps", sat.rps);
  }
  if (PHASES.has("rate")) {
    const [rate, us] = await cpu(() => paced(target.pool, RATE, SECONDS));
    if (rate.failed > 0) log(`${target.name}: ${rate.failed} failed at ${RATE} req/s`);
    const p = percentiles(rate.latencies);
    put("cpuRate", us / rate.latencies.length);
    put("p50", p.p50);
    put("p99", p.p99);
  }
  if (PHASES.has("stream")) {
    const [streams, us] = await cpu(() => firstByte(target.pool, STREAMS, 2));
    if (streams.failed > 0) log(`${target.name}: ${streams.failed} streams failed`);
    put("cpuStream", us / streams.firstByte.length);
    put("ttfb", percentiles(streams.firstByte).p50);
    put("ttfb99", percentiles(streams.firstByte).p99);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(3));

function table(targets: Target[]): string {
  const floor = targets[0] as Target;
  const rows = [
    `| figure | ${targets.map((t) => t.name).join(" | ")} | ${targets
      .slice(1)
      .map((t) => `${t.name} ÷ floor (per round)`)
      .join(" | ")} |`,
    `|---|${targets.map(() => "---:").join("|")}|${targets
      .slice(1)
      .map(() => "---:")
      .join("|")}|`,
  ];
  for (const [key, title] of FIGURES) {
    const base = floor.figures[key];
    if (base === undefined) continue;
    const cells = targets.map((t) => {
      const v = t.figures[key] ?? [];
      return `${fmt(median(v))} (${fmt(Math.min(...v))}–${fmt(Math.max(...v))})`;
    });
    const time = key === "p50" || key === "p99" || key === "ttfb" || key === "ttfb99";
    const ratios = targets.slice(1).map((t) => {
      const v = t.figures[key] ?? [];
      if (key === "other") return "";
      if (time) {
        const diffs = v.map((x, i) => x - (base[i] ?? NaN));
        return `${median(diffs) >= 0 ? "+" : ""}${fmt(median(diffs))} ms (${fmt(Math.min(...diffs))}…${fmt(Math.max(...diffs))})`;
      }
      const r = v.map((x, i) => x / (base[i] ?? NaN));
      return `${median(r).toFixed(2)}× (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
    });
    rows.push(`| ${title} | ${cells.join(" | ")} | ${ratios.join(" | ")} |`);
  }
  return rows.join("\n");
}

async function profile(dir: string, config: string, port: number): Promise<string> {
  const profDir = join(dir, "prof");
  const flags = ["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-interval", "100"];
  const gateway = await start("gateway", ["server/cli.ts", "serve", "--config", config], port, ROOT, flags);
  await saturate(gateway.url, 50, 2);
  await firstByte(gateway.pool, 300, 2);
  const startUs = Number(process.hrtime.bigint() / 1000n);
  if (PROFILE === "unary") await paced(gateway.pool, RATE, 6);
  else await firstByte(gateway.pool, 3000, 2);
  const window = { startUs, endUs: Number(process.hrtime.bigint() / 1000n) };
  await gateway.pool.close();
  await stop(gateway.child, 10_000);
  const file = readdirSync(profDir).find((name) => name.endsWith(".cpuprofile"));
  if (file === undefined) throw new Error("no .cpuprofile written");
  mkdirSync(join(ROOT, "bench/out"), { recursive: true });
  const kept = join(ROOT, `bench/out/gateway-${PROFILE}.cpuprofile`);
  copyFileSync(join(profDir, file), kept);
  return formatProfile(summarizeProfile(kept, window, 30));
}

async function main(): Promise<void> {
  if (pinning) pin(process.pid, 0);
  const dir = mkdtempSync(join(tmpdir(), "llmgw-compare-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const targets: Target[] = [];
  try {
    const mock = spawnNode(
      "mock",
      ["server/cli.ts", "mock", "--port", "0", "--tokens", String(TOKENS)],
      [],
      LOAD,
    );
    OWN.push(mock.pid);
    const mockUrl = String((await mock.firstJson).url);
    targets.push(await start("floor", ["bench/floor-proxy.ts", "--upstream", mockUrl]));
    const gwPort = await freePort();
    const gwConfig = writeGatewayConfig(dir, "gateway", gwPort, mockUrl);
    targets.push(await start("gateway", ["server/cli.ts", "serve", "--config", gwConfig], gwPort));
    if (process.env.COMPARE_FASTIFY === "1") {
      const port = await freePort();
      const config = writeGatewayConfig(dir, "fastify", port, mockUrl);
      targets.push(await start("fastify", ["bench/fastify-server.ts", "--config", config], port));
    }
    if (baseline !== undefined) {
      const port = await freePort();
      mkdirSync(join(dir, "baseline"));
      const config = writeGatewayConfig(join(dir, "baseline"), "baseline", port, mockUrl);
      targets.push(
        await start("baseline", ["server/cli.ts", "serve", "--config", config], port, baseline.dir),
      );
      log(`baseline ${baseline.dir} (${baseline.commit ?? "?"})`);
    }
    log(`warm-up: ${targets.map((t) => t.name).join(", ")}`);
    for (const target of targets) {
      await saturate(target.url, 50, 2);
      await paced(target.pool, RATE, 1);
      await firstByte(target.pool, 200, 2);
    }
    for (let round = 0; round < ROUNDS; round++) {
      log(`round ${round + 1}/${ROUNDS}`);
      for (const target of roundOrder(targets, round)) await measure(target);
    }
    process.stdout.write(
      `\n${ROUNDS} rounds, ${SECONDS} s per phase, ${STREAMS} streams (2 in flight) per round, ${TOKENS}-token answers\n\n`,
    );
    process.stdout.write(`${table(targets)}\n`);
    if (PROFILE !== undefined) {
      for (const target of targets) await target.pool.close();
      for (const target of targets) if (target.name !== "floor") await stop(target.child);
      targets.length = 0;
      process.stdout.write(
        `\n## Profile of the gateway (${PROFILE})\n\n${await profile(dir, gwConfig, gwPort)}\n`,
      );
    }
  } finally {
    await Promise.allSettled(targets.map((t) => t.pool.close()));
    await stopAll();
  }
}

// Ctrl-C or a kill stops every child too.
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void stopAll().then(() => process.exit(130)));

main().catch(async (error: unknown) => {
  process.stderr.write(`compare: ${(error as Error).stack ?? String(error)}\n`);
  await stopAll();
  process.exit(1);
});
