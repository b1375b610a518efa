import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";

const run = promisify(execFile);

/** Starts `llmgw serve` with flags and resolves with its URL once it logs that it is listening. */
function serve(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["server/cli.ts", "serve", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"(http:[^"]+)".*"msg":"llmgw listening"/.exec(out);
      if (match?.[1]) resolve({ child, url: match[1] });
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

describe("llmgw command line", () => {
  let mock: MockUpstream;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(async () => {
    for (const child of children) child.kill("SIGTERM");
    await mock.close();
  });

  it("accepts the older command line's --bindip, --bindport, --aihost and --aihostport", async () => {
    const { port } = new URL(mock.url);
    const started = await serve([
      "--bindip",
      "127.0.0.1",
      "--bindport",
      "0",
      "--aihost",
      "127.0.0.1",
      "--aihostport",
      port,
    ]);
    children.push(started.child);
    const response = await fetch(`${started.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "upstream:mock-small", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { "x-llmgw": { provider: string } })["x-llmgw"].provider).toBe(
      "upstream",
    );
  });

  it("requires the --api-key it was given", async () => {
    const started = await serve([
      "--port",
      "0",
      "--upstream",
      `${mock.url}/v1`,
      "--api-key",
      "sk-cli-key-123",
    ]);
    children.push(started.child);
    const denied = await fetch(`${started.url}/v1/models`);
    expect(denied.status).toBe(401);
    const allowed = await fetch(`${started.url}/v1/models`, {
      headers: { authorization: "Bearer sk-cli-key-123" },
    });
    expect(allowed.status).toBe(200);
  });

  it("refuses bad flags with a message naming them, and exits 1", async () => {
    const failure = await run(process.execPath, [
      "server/cli.ts",
      "serve",
      "--api-key",
      "abc",
      "--port",
      "99999",
    ]).catch((error: { code: number; stderr: string }) => error);
    expect("code" in failure && failure.code).toBe(1);
    expect(String((failure as { stderr: string }).stderr)).toMatch(
      /server\.port[\s\S]*keys\[0\]\.key: keys must be at least 8/,
    );
  });

  it("refuses an --api-key whose generated name a config key already has, so rights never follow a name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llmgw-cli-"));
    const config = join(dir, "llmgw.yaml");
    writeFileSync(config, "keys:\n  - name: cli-1\n    key: sk-config-admin-1\n    admin: true\n");
    const failure = await run(process.execPath, [
      "server/cli.ts",
      "serve",
      "--config",
      config,
      "--api-key",
      "sk-cli-key-123",
    ]).catch((error: { code: number; stderr: string }) => error);
    expect("code" in failure && failure.code).toBe(1);
    expect(String((failure as { stderr: string }).stderr)).toMatch(
      /keys\[1\]\.name: duplicate key name "cli-1"/,
    );
  });
});
