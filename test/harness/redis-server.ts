import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const START_TIMEOUT_MS = 10_000;

/**
 * A real `redis-server` for tests: its own process on a free port, with
 * nothing persisted (`--save "" --appendonly no`) in a temporary directory.
 * `kill()` and `restart()` (same port), `freeze()` and `thaw()` are for
 * fault tests. When the binary
 * is missing, `start()` fails with how to install it: tests never skip.
 */
export class RedisServer {
  readonly port: number;
  readonly #dir: string;
  #process: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.#dir = dir;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), "llmgw-redis-")));
    try {
      await server.restart();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server again on the same port (after `kill`), and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.#process !== undefined) throw new Error("redis-server is already running");
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        this.#dir,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.#process = child;
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      if (output.length < 4_000) output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      if (output.length < 4_000) output += chunk.toString();
    });
    const failed = new Promise<never>((_, reject) => {
      child.once("error", (error: NodeJS.ErrnoException) => {
        reject(
          error.code === "ENOENT"
            ? new Error(
                "redis-server is not installed, and the Redis backend tests need it: apt-get install redis-server " +
                  "(.ci/run installs it)",
              )
            : error,
        );
      });
      child.once("exit", (code, signal) => {
        reject(new Error(`redis-server exited (${code ?? signal}) before answering PING:\n${output}`));
      });
    });
    failed.catch(() => {});
    try {
      await Promise.race([untilPong(this.port), failed]);
    } catch (error) {
      this.#process = undefined;
      child.kill("SIGKILL");
      throw error;
    }
  }

  /** Stops the server without closing its connections (SIGSTOP): a hung Redis. `thaw()` resumes it. */
  freeze(): void {
    this.#process?.kill("SIGSTOP");
  }

  thaw(): void {
    this.#process?.kill("SIGCONT");
  }

  /** Kills the server at once (SIGKILL, as a crash would) and waits for it to be gone. */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** Kills the server and removes its directory. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/**
 * A free port below the kernel's ephemeral range (32768 and up on Linux), so that while the server is
 * killed no other test's port-0 listener or outgoing connection can be given its port, and `restart()`
 * finds it still free.
 */
async function freePort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error("no free port for redis-server between 20000 and 32000");
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/** Resolves once the port answers PING with PONG; retries every 20 ms until the start timeout. */
async function untilPong(port: number): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await pings(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms`);
}

function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}
