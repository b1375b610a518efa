import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";

/** Starts `llmgw serve` as a real process and waits for its "listening" log line. */
async function serveProcess(mockUrl: string, graceMs: number): Promise<{ child: ChildProcess; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), "llmgw-shutdown-"));
  const config = join(dir, "llmgw.yaml");
  writeFileSync(
    config,
    `server: { port: 0, shutdown_grace_ms: ${graceMs} }
providers: [{ name: mock, base_url: "${mockUrl}/v1", models: [mock-small] }]
usage: { path: "${join(dir, "ledger.db")}" }
`,
  );
  const child = spawn(process.execPath, ["server/cli.ts", "serve", "--config", config], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"(http:[^"]+)".*"msg":"llmgw listening"/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`gateway exited early (${code}): ${out}`)));
  });
  return { child, url };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

async function streamText(url: string, tokens: number, itlMs: number): Promise<string> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "mock-small",
      stream: true,
      messages: [{ role: "user", content: "hello" }],
      mock: { tokens, itl_ms: itlMs },
    }),
  });
  return response.text().catch((error: Error) => `cut: ${error.message}`);
}

describe("graceful shutdown on SIGTERM", () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(async () => {
    await mock.close();
  });

  it("lets an in-flight stream finish, refuses new connections, then exits 0", async () => {
    const { child, url } = await serveProcess(mock.url, 5_000);
    const stream = streamText(url, 20, 25);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const exit = exited(child);
    child.kill("SIGTERM");
    const text = await stream;
    expect(text).toContain("data: [DONE]");
    const { port } = new URL(url);
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    });
    expect(refused).toBe("ECONNREFUSED");
    expect(await exit).toBe(0);
  });

  it("ends a stream that outlives the grace period with an error event, aborts the upstream, and exits in bounded time", async () => {
    const { child, url } = await serveProcess(mock.url, 300);
    mock.reset();
    const stream = streamText(url, 1_000, 20);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = Date.now();
    const exit = exited(child);
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(3_000);
    const text = await stream;
    expect(text).not.toContain("data: [DONE]");
    expect(text).toMatch(
      /data: \{"error":\{"message":"the gateway is shutting down[^"]*","type":"service_unavailable"/,
    );
    expect((await mock.waitForAbort(3_000)).aborted).toBe(true);
  });
});
