import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata } from "@grpc/grpc-js";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { freshWindow } from "./harness/fresh-window.ts";
import { grpcChatClient } from "./harness/grpc-chat-client.ts";
import { NginxServer } from "./harness/nginx-server.ts";
import { HELLO } from "./harness/openai-client.ts";
import { PostgresServer } from "./harness/postgres-server.ts";
import { RedisServer } from "./harness/redis-server.ts";
import { eventually } from "./harness/replicas.ts";
import { type ServeProcess, serveProcess } from "./harness/serve-process.ts";
import { steadyLoad, tally } from "./harness/steady-load.ts";

/**
 * Two `llmgw serve` processes on one real Redis and one real PostgreSQL,
 * behind Debian's nginx running the shipped deploy/nginx/llmgw.conf (ports
 * templated). Real clients go through nginx only: the openai SDK streams,
 * @grpc/grpc-js calls over h2c, one rate limit holds across the replicas,
 * and a replica killed with SIGKILL fails its own streams with an error
 * while the other's finish and new calls keep being served, each answer
 * billed once in the shared ledger.
 */

const HOUR = 3_600_000;
const KEYS = { rpm: "sk-nginx-rpm-00001", kill: "sk-nginx-kill-0001", grpc: "sk-nginx-grpc-0001" } as const;
const RPM = 12;

let mock: MockUpstream;
let redis: RedisServer;
let postgres: PostgresServer;
let ledgerUrl: string;
let replicas: ServeProcess[] = [];
let nginx: NginxServer;

beforeAll(async () => {
  [mock, redis, postgres] = await Promise.all([
    startMockUpstream({ record: false }),
    RedisServer.start(),
    PostgresServer.start(),
  ]);
  ledgerUrl = await postgres.database();
  const dir = mkdtempSync(join(tmpdir(), "llmgw-replicas-nginx-"));
  replicas = await Promise.all(
    ["a", "b"].map((name) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(
        file,
        JSON.stringify({
          server: { port: 0, shutdown_grace_ms: 500 },
          providers: [{ name: "mock", base_url: `${mock.url}/v1`, models: ["mock-small"] }],
          keys: Object.entries(KEYS).map(([key, value]) => ({ name: key, key: value })),
          limits: { keys: { rpm: [{ requests: RPM, window: "1h" }] } },
          usage: { path: join(dir, `${name}.db`), flush_interval_ms: 50 },
          redis: { url: redis.url, command_timeout_ms: 2_000 },
          postgres: { url: ledgerUrl },
        }),
      );
      return serveProcess(file);
    }),
  );
  nginx = await NginxServer.start(replicas.map((r) => new URL(r.url).host));
}, 120_000);

afterAll(async () => {
  for (const r of replicas) r.child.kill("SIGKILL");
  await nginx?.stop();
  await Promise.all([mock?.close(), redis?.stop(), postgres?.stop()]);
});

function sdk(key: string): OpenAI {
  return new OpenAI({ baseURL: `${nginx.httpUrl}/v1`, apiKey: key, maxRetries: 0, timeout: 20_000 });
}

async function streamText(key: string, mockControls: Record<string, unknown>): Promise<string> {
  const stream = await sdk(key).chat.completions.create({
    model: "mock-small",
    messages: HELLO,
    stream: true,
    stream_options: { include_usage: true },
    // @ts-expect-error the mock's controls ride along as an extra field
    mock: mockControls,
  });
  let text = "";
  let usage = 0;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    usage = chunk.usage?.completion_tokens ?? usage;
  }
  expect(usage).toBeGreaterThan(0);
  return text;
}

describe("two replicas behind nginx (deploy/nginx/llmgw.conf)", () => {
  it("streams to the openai SDK through nginx, token by token, with usage at the end", async () => {
    const text = await streamText(KEYS.kill, { tokens: 8 });
    expect(text.length).toBeGreaterThan(0);
  });

  it("passes gRPC through to the replicas (@grpc/grpc-js over h2c)", async () => {
    const client = grpcChatClient(nginx.grpcAddress);
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${KEYS.grpc}`);
    const response = await new Promise<{ choices: { message: { content: { text: string }[] } }[] }>(
      (resolve, reject) =>
        client.Complete(
          { chat: { model: "mock-small", messages: [{ role: "ROLE_USER", content: [{ text: "hi" }] }] } },
          metadata,
          {},
          (error, answer) => (error ? reject(error) : resolve(answer as never)),
        ),
    );
    client.close();
    expect(response.choices[0]?.message.content[0]?.text.length).toBeGreaterThan(0);
  });

  it("holds one rate limit exactly across the two replicas", async () => {
    await freshWindow(HOUR, 30_000);
    const statuses = await Promise.all(
      Array.from({ length: 3 * RPM }, async () => {
        const res = await fetch(`${nginx.httpUrl}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${KEYS.rpm}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "mock-small", messages: HELLO }),
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(RPM);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2 * RPM);
  }, 90_000);

  it("kill -9 of a replica under steady load fails its in-flight calls with an error; the other's finish, new calls are served, nothing is billed twice", async () => {
    const before = await ledgerRows("kill");
    const loadStart = performance.now();
    // Steady unary load through nginx all along (20 a second for 4 s), beside the streams.
    const unary = steadyLoad(20, 4_000, async () => {
      const res = await fetch(`${nginx.httpUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEYS.kill}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "mock-small", messages: HELLO, mock: { ttft_ms: 150 } }),
      });
      await res.arrayBuffer();
      return { status: res.status };
    });
    // Enough streams that nginx's round robin puts some on each replica.
    const streams = Array.from({ length: 6 }, () =>
      streamText(KEYS.kill, { tokens: 30, itl_ms: 100 }).then(
        () => "done" as const,
        (error: Error) => error,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 800));
    const victim = replicas[0] as ServeProcess;
    victim.child.kill("SIGKILL");
    const killAt = performance.now() - loadStart;
    const outcomes = await Promise.all(streams);
    const done = outcomes.filter((o) => o === "done").length;
    const failed = outcomes.filter((o) => o instanceof Error);
    expect(failed.length).toBeGreaterThan(0);
    expect(done).toBeGreaterThan(0);
    for (const error of failed) expect(String(error)).toMatch(/terminated|closed|reset|error|premature/i);
    // The unary calls: answered, or (those in flight on the victim) a 502 from nginx; never a hang.
    const shots = await unary;
    const answered = shots.filter((s) => s.status === 200).length;
    expect(Object.keys(tally(shots)).filter((status) => status !== "200" && status !== "502")).toEqual([]);
    expect(answered).toBeGreaterThan(shots.length / 2);
    // After the kill has been seen, every unary call is served by the survivor.
    expect(shots.filter((s) => s.at > 2_000).every((s) => s.status === 200)).toBe(true);
    // nginx takes the dead replica out: every new call is answered by the survivor.
    for (let i = 0; i < 4; i++)
      expect((await streamText(KEYS.kill, { tokens: 3 })).length).toBeGreaterThan(0);
    // The shared ledger: one row per answer the clients received, never two; the dead replica's calls
    // never finished. Only the rows the victim still held unwritten at the kill are lost: the answers it
    // gave in its last flush interval (250 ms; 100 ms more for a busy loop). Any answer that ended then
    // may have been the victim's.
    const expected = before + done + 4 + answered;
    const lastFlush = shots.filter(
      (s) => s.status === 200 && s.at + s.ms > killAt - 350 && s.at + s.ms <= killAt,
    ).length;
    let rows = -1;
    await eventually(async () => {
      rows = await ledgerRows("kill");
      return rows >= expected;
    }, 5_000).catch(() => {});
    expect(rows).toBeLessThanOrEqual(expected);
    expect(rows).toBeGreaterThanOrEqual(expected - lastFlush);
    const ids = await postgres.query<{ n: string }>(
      "SELECT count(*) - count(DISTINCT request_id) AS n FROM usage WHERE key = $1",
      ["kill"],
      ledgerUrl,
    );
    expect(Number(ids[0]?.n)).toBe(0);
  }, 60_000);
});

/** The shared ledger's rows for a key, by its name. */
async function ledgerRows(key: string): Promise<number> {
  const rows = await postgres.query<{ n: string }>(
    "SELECT count(*) AS n FROM usage WHERE key = $1",
    [key],
    ledgerUrl,
  );
  return Number(rows[0]?.n);
}
