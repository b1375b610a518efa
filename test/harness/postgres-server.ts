import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import pg from "pg";

const START_TIMEOUT_MS = 20_000;
/** PostgreSQL refuses to run as root: as root, the cluster belongs to this user instead. */
const UNPRIVILEGED_USER = "nobody";
const INSTALL_HINT =
  "the PostgreSQL backend tests need PostgreSQL's server binaries (initdb, postgres): " +
  "apt-get install postgresql (.ci/run installs it)";

/**
 * A real PostgreSQL for tests: `initdb` into a temporary directory, then
 * `postgres` on a free port of 127.0.0.1, trust authentication, nothing
 * fsynced (commits still reach the OS, so they survive `kill()`). Run as root (as CI does), the directory and the server belong to
 * `nobody`, since PostgreSQL will not run as root. The binaries are found on
 * PATH or where Debian's `postgresql` package puts them
 * (/usr/lib/postgresql/<version>/bin); when they are missing, `start()`
 * fails with how to install them: tests never skip.
 *
 * `database()` creates an empty database per test. `kill()` (an immediate
 * shutdown, as a crash would leave it), `restart()` (same port, same data),
 * `freeze()` and `thaw()` are for fault tests.
 */
export class PostgresServer {
  readonly port: number;
  readonly #dir: string;
  readonly #bin: string;
  readonly #user: { uid: number; gid: number } | undefined;
  #process: ChildProcess | undefined;
  #databases = 0;

  private constructor(
    port: number,
    dir: string,
    bin: string,
    user: { uid: number; gid: number } | undefined,
  ) {
    this.port = port;
    this.#dir = dir;
    this.#bin = bin;
    this.#user = user;
  }

  static async start(): Promise<PostgresServer> {
    const bin = findBinaries();
    const user = process.getuid?.() === 0 ? unprivilegedUser() : undefined;
    const dir = mkdtempSync(join(tmpdir(), "llmgw-postgres-"));
    if (user !== undefined) chownSync(dir, user.uid, user.gid);
    const server = new PostgresServer(await freePort(), dir, bin, user);
    try {
      server.#initdb();
      await server.restart();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** The cluster's `postgres` database, for administration. */
  get url(): string {
    return this.urlOf("postgres");
  }

  urlOf(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Creates an empty database and returns its URL. */
  async database(): Promise<string> {
    const name = `test_${process.pid}_${this.#databases++}`;
    await this.query(`CREATE DATABASE ${name}`);
    return this.urlOf(name);
  }

  /** Runs one statement on `url` (the `postgres` database by default) with a connection of its own. */
  async query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
    url = this.url,
  ): Promise<Row[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<Row>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** Starts the server again on the same port and data (after `kill`), and waits until it answers a query. */
  async restart(): Promise<void> {
    if (this.#process !== undefined) throw new Error("postgres is already running");
    const child = spawn(
      join(this.#bin, "postgres"),
      [
        "-D",
        join(this.#dir, "data"),
        "-p",
        String(this.port),
        "-k",
        this.#dir,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
      ],
      { stdio: ["ignore", "pipe", "pipe"], ...this.#user },
    );
    this.#process = child;
    let output = "";
    const collect = (chunk: Buffer) => {
      if (output.length < 8_000) output += chunk.toString();
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const failed = new Promise<never>((_, reject) => {
      child.once("error", reject);
      child.once("exit", (code, signal) => {
        reject(new Error(`postgres exited (${code ?? signal}) before accepting connections:\n${output}`));
      });
    });
    failed.catch(() => {});
    try {
      await Promise.race([untilReady(this.url), failed]);
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  /** Stops the server and every backend without closing a connection (SIGSTOP): a hung server. `thaw()` resumes it. */
  freeze(): void {
    this.#signalAll("SIGSTOP");
  }

  thaw(): void {
    this.#signalAll("SIGCONT");
  }

  /** Signals the postmaster and its children (each backend runs in a session of its own, so not as a group). */
  #signalAll(signal: NodeJS.Signals, pid = this.#process?.pid): void {
    if (pid === undefined) return;
    for (const each of [pid, ...childrenOf(pid)]) {
      try {
        process.kill(each, signal);
      } catch {
        // The process ended meanwhile.
      }
    }
  }

  /**
   * Stops the server at once (SIGQUIT, an immediate shutdown: connections
   * are cut, nothing is checkpointed, the next start recovers from the WAL)
   * and waits for it to be gone.
   */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    this.#signalAll("SIGCONT", child.pid);
    child.kill("SIGQUIT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Kills the server and removes its directory. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #initdb(): void {
    try {
      execFileSync(
        join(this.#bin, "initdb"),
        ["-D", join(this.#dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
        { stdio: "pipe", ...this.#user },
      );
    } catch (error) {
      const { stderr, message } = error as { stderr?: Buffer; message: string };
      throw new Error(`initdb failed: ${stderr?.toString() || message}`);
    }
  }
}

/** The directory holding `initdb` and `postgres`: on PATH, or Debian's versioned directory (newest first). */
function findBinaries(): string {
  const candidates = (process.env.PATH ?? "").split(delimiter).filter((dir) => dir !== "");
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((version) => /^\d+(\.\d+)?$/.test(version))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => join(debian, version, "bin")));
  }
  const found = candidates.find(
    (dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres")),
  );
  if (found === undefined) throw new Error(`${INSTALL_HINT}; looked on PATH and in ${debian}/<version>/bin`);
  return found;
}

function unprivilegedUser(): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(execFileSync("id", [flag, UNPRIVILEGED_USER], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new Error(
      `PostgreSQL will not run as root, and there is no user "${UNPRIVILEGED_USER}" to run it as`,
    );
  }
}

/** Ids of the processes whose parent is `pid`, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(join("/proc", entry, "stat"), "utf8");
      // Fields after the command (in parentheses, which may hold spaces): state, then the parent's id.
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return children;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once `SELECT 1` succeeds on `url`; retries every 50 ms until the start timeout. */
async function untilReady(url: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (error) {
      last = error;
    } finally {
      await client.end().catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `postgres did not accept connections within ${START_TIMEOUT_MS} ms: ${(last as Error)?.message}`,
  );
}
