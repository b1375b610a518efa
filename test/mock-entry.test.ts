import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");
const MODULE_LOG_HOOK = pathToFileURL(join(ROOT, "test/harness/module-log.ts")).href;

interface Started {
  child: ChildProcess;
  url: string;
  /** Repository-relative paths of every file module the child has loaded so far. */
  loaded(): string[];
}

const dirs: string[] = [];
const children: ChildProcess[] = [];

/**
 * Runs `node <args>` in a fresh directory (so `serve`'s default ledger file lands there) with the
 * module-log hook preloaded, and resolves once a stdout line matching `ready` gives the URL.
 */
function start(args: string[], ready: RegExp): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), "llmgw-mock-entry-"));
  dirs.push(dir);
  const log = join(dir, "modules.log");
  const child = spawn(process.execPath, ["--import", MODULE_LOG_HOOK, ...args], {
    cwd: dir,
    env: { ...process.env, LLMGW_MODULE_LOG: log },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const loaded = () =>
    readFileSync(log, "utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map((url) => relative(ROOT, fileURLToPath(url)));
  return new Promise((resolvePromise, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const url = ready.exec(out)?.[1];
      if (url) resolvePromise({ child, url, loaded });
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

async function chat(url: string, model: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
}

const MOCK_READY = /"msg":"mock upstream listening","url":"(http:[^"]+)"/;

// Each child must be gone before its directory is: the module-log hook writes there while a child
// shuts down, and a child left running would outlive the test run.
afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
          setTimeout(() => child.kill("SIGKILL"), 15_000).unref();
        }),
    ),
  );
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the mock's own entry", () => {
  it.each([
    { entry: "llmgw mock", args: ["server/cli.ts", "mock"], allowed: ["server/cli.ts"] },
    { entry: "node mock/main.ts", args: ["mock/main.ts"], allowed: [] },
  ])("$entry loads no gateway module and answers a chat completion", async ({ args, allowed }) => {
    const mock = await start(
      [join(ROOT, args[0] ?? ""), ...args.slice(1), "--port", "0", "--tokens", "5"],
      MOCK_READY,
    );
    const response = await chat(mock.url, "mock-small");
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      choices: Array<{ message: { content: string } }>;
      usage: { completion_tokens: number };
    };
    expect(body.choices[0]?.message.content).not.toBe("");
    expect(body.usage.completion_tokens).toBe(5);

    const loaded = mock.loaded();
    expect(loaded).toContain("mock/main.ts");
    expect(loaded).toContain("mock/mock-server.ts");
    expect(loaded.filter((path) => path.startsWith("server/"))).toEqual(allowed);
    expect(loaded.filter((path) => path.startsWith("node_modules/"))).toEqual([]);
  });

  it("refuses a bad flag with a message naming it, and exits 1", async () => {
    const failure = await run(process.execPath, [join(ROOT, "server/cli.ts"), "mock", "--port", "x"]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect("code" in failure && failure.code).toBe(1);
    expect(String((failure as { stderr: string }).stderr)).toMatch(/--port must be an integer .* got "x"/);
  });
});

describe("llmgw serve with no providers", () => {
  it("serves in front of the built-in mock, loading both the gateway and the mock", async () => {
    const gateway = await start(
      [join(ROOT, "server/cli.ts"), "serve", "--port", "0"],
      /"url":"(http:[^"]+)".*"msg":"llmgw listening"/,
    );
    const response = await chat(gateway.url, "mock-small");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { "x-llmgw": { provider: string } };
    expect(body["x-llmgw"].provider).toBe("mock");

    // The same hook sees the gateway when it is loaded, so its absence above is not an artefact.
    const loaded = gateway.loaded();
    expect(loaded).toContain("server/app.ts");
    expect(loaded).toContain("mock/mock-server.ts");
  });
});
