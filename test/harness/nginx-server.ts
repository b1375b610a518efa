import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const NGINX = "/usr/sbin/nginx";
const SHIPPED = join(import.meta.dirname, "..", "..", "deploy", "nginx", "llmgw.conf");

/** A free TCP port on 127.0.0.1 (closed again at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Debian's nginx, unprivileged, serving the shipped deploy/nginx/llmgw.conf
 * with its ports templated: the two listeners on free ports and the upstream
 * blocks listing `replicas` (host:port). Everything nginx writes (pid, logs,
 * temp files) goes to a temp dir.
 */
export class NginxServer {
  readonly httpUrl: string;
  /** host:port of the h2c (gRPC) listener. */
  readonly grpcAddress: string;
  readonly dir: string;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, dir: string, httpPort: number, grpcPort: number) {
    this.#child = child;
    this.dir = dir;
    this.httpUrl = `http://127.0.0.1:${httpPort}`;
    this.grpcAddress = `127.0.0.1:${grpcPort}`;
  }

  static async start(replicas: readonly string[]): Promise<NginxServer> {
    const dir = mkdtempSync(join(tmpdir(), "llmgw-nginx-"));
    const [httpPort, grpcPort] = [await freePort(), await freePort()];
    const servers = replicas.map((r) => `    server ${r} max_fails=1 fail_timeout=5s;`).join("\n");
    const site = readFileSync(SHIPPED, "utf8")
      .replace(/^ {4}server 127\.0\.0\.1:\d+ [^\n]*\n/gm, "")
      .replace(/(upstream llmgw_\w+ \{\n)/g, `$1${servers}\n`)
      .replace(/listen 8080;/, `listen 127.0.0.1:${httpPort};`)
      .replace(/listen 50051 http2;/, `listen 127.0.0.1:${grpcPort} http2;`);
    writeFileSync(join(dir, "llmgw.conf"), site);
    writeFileSync(
      join(dir, "nginx.conf"),
      [
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        "worker_processes 1;",
        "events { worker_connections 1024; }",
        "http {",
        `  access_log ${dir}/access.log;`,
        `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;`,
        `  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
        `  include ${dir}/llmgw.conf;`,
        "}",
      ].join("\n"),
    );
    const child = spawn(NGINX, ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const nginx = new NginxServer(child, dir, httpPort, grpcPort);
    const until = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}: ${stderr}`);
      try {
        await fetch(`${nginx.httpUrl}/health`);
        return nginx;
      } catch {
        if (Date.now() > until) throw new Error(`nginx did not answer: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** nginx's error log so far. */
  errors(): string {
    return readFileSync(join(this.dir, "error.log"), "utf8");
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once("exit", resolve));
    this.#child.kill("SIGTERM");
    await exited;
  }
}
