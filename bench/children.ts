/**
 * The benchmark's child processes: spawns the mock, the floor proxy and the gateway (optionally pinned to
 * a core with `taskset`), tallies the GC events each one prints with `--trace-gc-nvp`, and makes sure
 * every child is gone when the benchmark exits, whether it finishes, fails or is interrupted.
 */

import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";

export const NODE = new URL("../node_modules/.bin/node", import.meta.url).pathname;
export const ROOT = new URL("..", import.meta.url).pathname;

/** One V8 GC event as `--trace-gc-nvp` prints it. */
export interface GcEvent {
  /** True for young-generation collections (scavenge, minor mark-compact), false for full ones. */
  young: boolean;
  /** Main-thread pause, ms. */
  pause: number;
  /** Bytes allocated since the previous event. */
  allocated: number;
  /** Bytes moved from the young generation to old space. */
  promoted: number;
  /** `performance.now()` in the benchmark process when the line arrived (just after the GC ended). */
  at: number;
}

/** The V8 GC events a child printed, in order. */
export interface GcTally {
  events: GcEvent[];
}

const field = (line: string, name: string) => Number(new RegExp(` ${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly proc: ChildProcess;
  readonly gc: GcTally;
  /** Resolves with the first stdout line that is a JSON object (the mock and the floor announce their url). */
  readonly firstJson: Promise<Record<string, unknown>>;
  /** The last lines of stderr, for error messages. */
  stderrTail(): string;
  /** Resolves with the first match of `pattern` in a stderr line (past lines included). */
  stderrMatch(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

const live = new Set<Child>();

let tasksetChecked: boolean | undefined;
/** True when `taskset` runs here and there are at least two cores to split. */
export function canPin(cores: number): boolean {
  tasksetChecked ??= spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
  return tasksetChecked && cores >= 2;
}

/** Moves every thread of a running process to `core` (no-op when pinning is off). */
export function pin(pid: number, core: number | undefined): void {
  if (core === undefined) return;
  execFileSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" });
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/**
 * Spawns `node <nodeFlags> <args>` in `cwd` (the repository root unless told; another checkout's root for
 * the baseline gateway, so its own imports resolve), on `core` when given.
 */
export function spawnNode(
  name: string,
  args: string[],
  nodeFlags: string[],
  core?: number,
  cwd = ROOT,
): Child {
  const command = core === undefined ? NODE : "taskset";
  const argv = [...nodeFlags, ...args];
  const proc = spawn(command, core === undefined ? argv : ["-c", String(core), NODE, ...argv], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (proc.pid === undefined) throw new Error(`could not start ${name}`);
  const gc: GcTally = { events: [] };
  const tail: string[] = [];
  let resolveJson: (value: Record<string, unknown>) => void = () => {};
  let rejectJson: (error: Error) => void = () => {};
  const firstJson = new Promise<Record<string, unknown>>((resolve, reject) => {
    resolveJson = resolve;
    rejectJson = reject;
  });
  firstJson.catch(() => {}); // not every caller waits for it
  createInterface({ input: proc.stdout }).on("line", (line) => {
    const kind = / gc=(\w+)/.exec(line)?.[1];
    if (kind !== undefined && line.includes(" allocated=")) {
      gc.events.push({
        young: kind === "s" || kind === "mmc",
        pause: field(line, "pause"),
        allocated: field(line, "allocated"),
        promoted: field(line, "promoted"),
        at: performance.now(),
      });
    } else if (line.startsWith("{")) {
      try {
        resolveJson(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not JSON after all
      }
    }
  });
  const seen: string[] = [];
  const listeners = new Set<(line: string) => void>();
  createInterface({ input: proc.stderr }).on("line", (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    if (seen.length < 20) seen.push(line);
    for (const listener of listeners) listener(line);
  });
  const stderrMatch = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      for (const line of seen) {
        const match = pattern.exec(line);
        if (match) return resolve(match);
      }
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`${name} printed nothing matching ${pattern}\n${tail.join("\n")}`));
      }, timeoutMs);
      const listener = (line: string) => {
        const match = pattern.exec(line);
        if (!match) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(match);
      };
      listeners.add(listener);
    });
  const child: Child = {
    name,
    pid: proc.pid,
    proc,
    gc,
    firstJson,
    stderrTail: () => tail.join("\n"),
    stderrMatch,
  };
  live.add(child);
  proc.once("exit", (code, signal) => {
    live.delete(child);
    rejectJson(
      new Error(`${name} exited (${signal ?? code}) before announcing itself\n${child.stderrTail()}`),
    );
  });
  return child;
}

/** Polls `url` until it answers 200, or throws after `timeoutMs`. */
export async function waitForHttp(url: string, child: Child, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
      throw new Error(`${child.name} exited before listening\n${child.stderrTail()}`);
    }
    try {
      const res = await request(url);
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${child.name} did not answer ${url}\n${child.stderrTail()}`);
    await sleep(100);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export async function stop(child: Child, graceMs = 5_000): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  const exited = once(child.proc, "exit");
  child.proc.kill("SIGTERM");
  const timer = setTimeout(() => child.proc.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => stop(child)));
}

/** Last resort, synchronous: kill whatever is still running when this process exits. */
function killRemaining(): void {
  for (const child of live) child.proc.kill("SIGKILL");
}

process.once("exit", killRemaining);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping children\n`);
    void stopAll().finally(() => process.exit(130));
  });
}

/**
 * The Node flags `npm start` runs the gateway with (its heap sizing, from package.json's start script),
 * for the benches that measure its memory as it is started.
 */
export function startNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } };
  return pkg.scripts.start.split(" ").filter((word) => /^--(max|min)-[a-z-]+=/.test(word));
}
