import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { freshWindow } from "./harness/fresh-window.ts";
import { NginxServer } from "./harness/nginx-server.ts";
import { HELLO } from "./harness/openai-client.ts";
import { RedisServer } from "./harness/redis-server.ts";
import { type ServeProcess, serveProcess } from "./harness/serve-process.ts";

/**
 * Two replicas, each `llmgw serve --workers 2` (four processes answering),
 * on one real Redis behind Debian's nginx with the shipped
 * deploy/nginx/llmgw.conf: one rate limit and one concurrency limit hold
 * exactly across all of them.
 */

const HOUR = 3_600_000;
const KEYS = { rpm: "sk-nginx-w-rpm-001", conc: "sk-nginx-w-conc-01" } as const;
const RPM = 20;
const CONCURRENT = 3;

let mock: MockUpstream;
let redis: RedisServer;
let replicas: ServeProcess[] = [];
let nginx: NginxServer;

beforeAll(async () => {
  [mock, redis] = await Promise.all([startMockUpstream({ record: false }), RedisServer.start()]);
  const dir = mkdtempSync(join(tmpdir(), "llmgw-replicas-workers-"));
  replicas = await Promise.all(
    ["a", "b"].map((name) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(
        file,
        JSON.stringify({
          server: { port: 0, shutdown_grace_ms: 500 },
          providers: [{ name: "mock", base_url: `${mock.url}/v1`, models: ["mock-small"] }],
          keys: Object.entries(KEYS).map(([key, value]) => ({ name: key, key: value })),
          limits: {
            keys: { rpm: [{ requests: RPM, window: "1h" }], conc: [{ concurrent: CONCURRENT }] },
          },
          usage: { path: join(dir, `${name}.db`) },
          redis: { url: redis.url, command_timeout_ms: 2_000 },
          // The concurrency check must see the calls overlap, however busy the machine.
          overload: { enabled: false },
        }),
      );
      return serveProcess(file, ["--workers", "2"]);
    }),
  );
  nginx = await NginxServer.start(replicas.map((r) => new URL(r.url).host));
}, 120_000);

afterAll(async () => {
  for (const r of replicas) r.child.kill("SIGTERM");
  await Promise.all(replicas.map((r) => r.exited));
  await nginx?.stop();
  await Promise.all([mock?.close(), redis?.stop()]);
});

async function chat(key: string, mock: Record<string, unknown> = {}): Promise<number> {
  const res = await fetch(`${nginx.httpUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-small", messages: HELLO, mock }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe("two replicas of two workers each, behind nginx, on one Redis", () => {
  it("holds one rate limit exactly: 3× the limit at once, exactly the limit passes", async () => {
    await freshWindow(HOUR, 30_000);
    const statuses = await Promise.all(Array.from({ length: 3 * RPM }, () => chat(KEYS.rpm)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(RPM);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2 * RPM);
  }, 90_000);

  it("holds one concurrency limit exactly, and gives every slot back", async () => {
    // 12 slow calls at once: only CONCURRENT are admitted anywhere, the rest refused at once.
    const first = await Promise.all(Array.from({ length: 12 }, () => chat(KEYS.conc, { ttft_ms: 1_500 })));
    expect(first.filter((s) => s === 200)).toHaveLength(CONCURRENT);
    expect(first.filter((s) => s === 429)).toHaveLength(12 - CONCURRENT);
    // Once they have ended, the slots are free again on every worker.
    const again = await Promise.all(Array.from({ length: CONCURRENT }, () => chat(KEYS.conc)));
    expect(again).toEqual(Array(CONCURRENT).fill(200));
  });
});
