import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { serveProcess } from "./harness/serve-process.ts";

/**
 * The audit log against a dying process: `llmgw serve` as its own process,
 * its audit log in a SQLite file. After SIGTERM every answered request is in
 * the file; after kill -9 only those answered within the last flush interval
 * may be missing, and the gateway restarts on the same file and goes on.
 */

const FLUSH_MS = 200;
let mock: MockUpstream;
let dir: string;

beforeAll(async () => {
  mock = await startMockUpstream();
  dir = mkdtempSync(join(tmpdir(), "llmgw-audit-crash-"));
});

afterAll(async () => {
  await mock?.close();
});

function config(name: string): string {
  const file = join(dir, `${name}.yaml`);
  // JSON is YAML.
  writeFileSync(
    file,
    JSON.stringify({
      server: { port: 0, shutdown_grace_ms: 2_000 },
      providers: [{ name: "mock", base_url: `${mock.url}/v1`, models: ["mock-small"] }],
      usage: { path: join(dir, `${name}.db`) },
      audit: {
        enabled: true,
        mode: "full",
        path: join(dir, `${name}-audit.db`),
        flush_interval_ms: FLUSH_MS,
      },
    }),
  );
  return file;
}

/** One chat request with its own request id; resolves with the id and when its answer was complete. */
async function chat(url: string, id: string): Promise<{ id: string; at: number }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": id },
    body: JSON.stringify({ model: "mock-small", messages: [{ role: "user", content: `hello ${id}` }] }),
  });
  expect(res.status).toBe(200);
  await res.text();
  return { id, at: Date.now() };
}

function storedIds(name: string): Set<string> {
  const db = new DatabaseSync(join(dir, `${name}-audit.db`), { readOnly: true });
  try {
    return new Set(
      db
        .prepare("SELECT request_id FROM audit")
        .all()
        .map((r) => String(r.request_id)),
    );
  } finally {
    db.close();
  }
}

describe("the audit log when the process dies", () => {
  it("loses nothing on SIGTERM", async () => {
    const gw = await serveProcess(config("term"));
    const answered = await Promise.all(Array.from({ length: 40 }, (_, i) => chat(gw.url, `term-${i}`)));
    gw.child.kill("SIGTERM");
    await gw.exited;
    const stored = storedIds("term");
    expect(answered.filter((a) => !stored.has(a.id))).toEqual([]);
  });

  it("loses at most the last flush interval on kill -9, and starts again on the same file", async () => {
    const gw = await serveProcess(config("kill"));
    const answered: Array<{ id: string; at: number }> = [];
    const started = Date.now();
    let n = 0;
    // Four callers for a second (and until 40 are answered, however busy the machine), then the kill.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() - started < 1_000 || (answered.length < 40 && Date.now() - started < 15_000))
          answered.push(await chat(gw.url, `kill-${n++}`));
      }),
    );
    const killedAt = Date.now();
    gw.child.kill("SIGKILL");
    await gw.exited;
    const stored = storedIds("kill");
    // A record waits at most one flush interval; allow one more for the timer's own lateness.
    const settled = answered.filter((a) => a.at < killedAt - 2 * FLUSH_MS);
    expect(settled.length).toBeGreaterThan(10);
    expect(settled.filter((a) => !stored.has(a.id))).toEqual([]);

    const again = await serveProcess(config("kill"));
    await chat(again.url, "after-restart");
    again.child.kill("SIGTERM");
    await again.exited;
    const after = storedIds("kill");
    expect(after.has("after-restart")).toBe(true);
    expect(after.size).toBe(stored.size + 1);
  });
});
