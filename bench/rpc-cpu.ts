/**
 * Gateway CPU per request, typed API against REST, on the same HTTP/2 (h2c) connections (the targets are
 * bench/rpc-load.ts's, the rounds bench/rpc-phase.ts's: `npm run bench` runs the same phase and checks
 * the ratios). This script runs the phase alone, with more rounds, optionally against another checkout's
 * gateway, and can profile one target. The mock upstream and the gateway are separate processes.
 *
 *   node bench/rpc-cpu.ts                      # 5 rounds × 3000 requests per target
 *   RPC_BENCH_PROFILE=grpc-unary node bench/rpc-cpu.ts   # then a --cpu-prof run of one target
 *
 * Variables: RPC_BENCH_REQUESTS (3000), RPC_BENCH_ROUNDS (5), RPC_BENCH_CONNECTIONS (10),
 * RPC_BENCH_STREAMS (10 per connection), RPC_BENCH_CLIENT (`h2load` | `node`), RPC_BENCH_PROFILE (a
 * target key; the profile is kept as bench/out/rpc-<key>.cpuprofile), RPC_BENCH_COMPARE (the root of
 * another checkout with node_modules: its gateway is measured in the same rounds, for a before/after),
 * BENCH_PIN (0: no taskset).
 */

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, canPin, freePort, ROOT, spawnNode, stop, stopAll, waitForHttp } from "./children.ts";
import { writeGatewayConfig } from "./gateway-config.ts";
import { formatProfile, summarizeProfile } from "./profile.ts";
import { checkRpc, defaultRpcClient, driveRpc, RPC_TARGETS, type RpcLoad } from "./rpc-load.ts";
import { measureRpc, rpcSection } from "./rpc-phase.ts";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const REQUESTS = env("RPC_BENCH_REQUESTS", 3000);
const ROUNDS = env("RPC_BENCH_ROUNDS", 5);
const PROFILE = process.env.RPC_BENCH_PROFILE;
const COMPARE = process.env.RPC_BENCH_COMPARE;
/** Load generator and mock on core 0, the gateway alone on core 1 (as bench/overhead.ts does). */
const pinning = process.env.BENCH_PIN !== "0" && canPin(cpus().length);
const loadCore = pinning ? 0 : undefined;
const targetCore = pinning ? 1 : undefined;

const loadIn = (dir: string): RpcLoad => ({
  connections: env("RPC_BENCH_CONNECTIONS", 10),
  streams: env("RPC_BENCH_STREAMS", 10),
  client: process.env.RPC_BENCH_CLIENT === "node" ? "node" : defaultRpcClient(),
  ...(loadCore === undefined ? {} : { core: loadCore }),
  dir,
});

/** A gateway process to measure: this tree's, or the one in RPC_BENCH_COMPARE. */
interface Gateway {
  readonly name: string;
  readonly root: string;
  readonly config: string;
  readonly port: number;
  readonly url: string;
  child?: Child;
}

async function startGateway(gateway: Gateway, flags: string[]): Promise<Child> {
  const cli = join(gateway.root, "server/cli.ts");
  const child = spawnNode(gateway.name, [cli, "serve", "--config", gateway.config], flags, targetCore);
  await waitForHttp(`${gateway.url}/health`, child);
  gateway.child = child;
  return child;
}

/** CLOCK_MONOTONIC in µs, the clock V8's profile timestamps use. */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** Restarts a gateway under --cpu-prof, drives one target hard, and summarises the profile. */
async function profile(key: string, gateway: Gateway, load: RpcLoad): Promise<string> {
  const target = RPC_TARGETS.find((t) => t.key === key);
  if (!target) throw new Error(`RPC_BENCH_PROFILE: no target "${key}"`);
  const profDir = join(load.dir, "prof");
  const child = await startGateway(gateway, ["--cpu-prof", "--cpu-prof-dir", profDir]);
  await driveRpc(gateway.url, target, REQUESTS, load);
  const startUs = nowUs();
  await driveRpc(gateway.url, target, REQUESTS * 3, load);
  const window = { startUs, endUs: nowUs() };
  await stop(child, 15_000);
  const file = readdirSync(profDir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error("the gateway wrote no .cpuprofile");
  mkdirSync(join(ROOT, "bench/out"), { recursive: true });
  const kept = join(ROOT, `bench/out/rpc-${key}.cpuprofile`);
  copyFileSync(join(profDir, file), kept);
  return `### Profile of ${key} (${kept})\n\n${formatProfile(summarizeProfile(kept, window))}`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "llmgw-rpc-bench-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  try {
    const mock = spawnNode("mock", ["server/cli.ts", "mock", "--port", "0", "--tokens", "16"], [], loadCore);
    const mockUrl = String((await mock.firstJson).url);
    const trees = [{ name: "this", root: ROOT }];
    if (COMPARE) trees.push({ name: "compare", root: COMPARE });
    const gateways: Gateway[] = [];
    for (const tree of trees) {
      const port = await freePort();
      const config = writeGatewayConfig(dir, tree.name, port, mockUrl);
      gateways.push({ ...tree, config, port, url: `http://127.0.0.1:${port}` });
    }
    for (const gateway of gateways) {
      await startGateway(gateway, []);
      await checkRpc(gateway.url);
    }
    const load = loadIn(dir);
    const running = gateways.map((g) => ({ name: g.name, url: g.url, pid: g.child?.pid ?? 0 }));
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const figures = await measureRpc(running, { requests: REQUESTS, rounds: ROUNDS, load, log });
    for (const gateway of gateways) if (gateway.child) await stop(gateway.child);
    process.stdout.write(`${rpcSection(figures).join("\n")}\n`);
    const first = gateways[0];
    if (PROFILE && first) process.stdout.write(`\n${await profile(PROFILE, first, load)}\n`);
  } finally {
    await stopAll();
  }
}

await main();
