import { type ChildProcess, spawn } from "node:child_process";
import { createConnection } from "node:net";

/**
 * A `redis-server` for `BENCH_REDIS=1`: no persistence, on `port`, pinned to `core` (the load
 * generator's, as issue 8 asks, so that Redis's CPU is not counted as the gateway's). Resolves once
 * the port accepts connections.
 */
export async function startRedis(port: number, core: number | undefined): Promise<ChildProcess> {
  const args = ["--port", String(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"];
  const proc =
    core === undefined
      ? spawn("redis-server", args, { stdio: "ignore" })
      : spawn("taskset", ["-c", String(core), "redis-server", ...args], { stdio: "ignore" });
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (await accepts(port)) {
      // The bench's exit handler kills it; it must not keep the bench alive once the bench is done.
      proc.unref();
      return proc;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  proc.kill("SIGKILL");
  throw new Error(`redis-server did not listen on ${port} within 5 s (is it installed?)`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
