import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Client, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RoutingService } from "../gen/llmgw/v1/routing_pb.js";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { apiKey } from "../sdk/index.ts";
import { freshWindow } from "./harness/fresh-window.ts";
import { HELLO } from "./harness/openai-client.ts";
import { eventually } from "./harness/replicas.ts";
import { type ServeProcess, serveProcess } from "./harness/serve-process.ts";

/**
 * `llmgw serve --workers 2`, a real child process with its two cluster
 * workers, no Redis: both workers answer on the one port, one rate limit
 * and one concurrency limit hold exactly across them (the primary's quota
 * broker), a routing change made on one worker is in force on both, a worker killed with SIGKILL is replaced and the slot its stream
 * held comes back, and SIGTERM lets a stream in flight finish before exit.
 */

const HOUR = 3_600_000;
const KEYS = { rpm: "sk-workers-rpm-0001", conc: "sk-workers-conc-001" } as const;
const ADMIN = "sk-workers-admin-01";
const RPM = 20;

let mock: MockUpstream;
let gw: ServeProcess;

beforeAll(async () => {
  mock = await startMockUpstream({ record: false });
  const dir = mkdtempSync(join(tmpdir(), "llmgw-workers-"));
  const file = join(dir, "config.yaml");
  writeFileSync(
    file,
    JSON.stringify({
      server: { port: 0, shutdown_grace_ms: 5_000 },
      providers: [{ name: "mock", base_url: `${mock.url}/v1`, models: ["mock-small"] }],
      keys: [
        ...Object.entries(KEYS).map(([name, key]) => ({ name, key })),
        { name: "admin", key: ADMIN, admin: true },
      ],
      limits: { keys: { rpm: [{ requests: RPM, window: "1h" }], conc: [{ concurrent: 1 }] } },
      usage: { path: join(dir, "usage.db") },
    }),
  );
  gw = await serveProcess(file, ["--workers", "2"]);
}, 60_000);

afterAll(async () => {
  gw?.child.kill("SIGKILL");
  await mock?.close();
});

/** The pid of the worker that answers /health on a new connection. */
async function healthPid(): Promise<number> {
  const res = await request(`${gw.url}/health`, { headers: { connection: "close" } });
  const body = (await res.body.json()) as { status: string; pid: number };
  expect(body.status).toBe("ok");
  return body.pid;
}

async function pidsSeen(tries: number): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < tries; i++) pids.add(await healthPid());
  return pids;
}

function chatBody(stream: boolean, mockControls: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: "mock-small", messages: HELLO, stream, mock: mockControls });
}

function chat(key: string, client?: Client, body = chatBody(false)) {
  const options = {
    method: "POST" as const,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body,
  };
  return client === undefined
    ? request(`${gw.url}/v1/chat/completions`, options)
    : client.request({ ...options, path: "/v1/chat/completions" });
}

describe("llmgw serve --workers 2", () => {
  it("serves from both workers on the one port", async () => {
    expect((await pidsSeen(8)).size).toBe(2);
  });

  it("holds one rate limit exactly across both workers", async () => {
    await freshWindow(HOUR, 30_000);
    const statuses = await Promise.all(
      Array.from({ length: 3 * RPM }, async () => {
        const res = await chat(KEYS.rpm);
        await res.body.dump();
        return res.statusCode;
      }),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(RPM);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2 * RPM);
  }, 90_000);

  it("puts an UpdateRoutingConfig answered by one worker in force on both", async () => {
    // One Connect client over one HTTP/1.1 connection: one worker answers both calls.
    const routing = createClient(
      RoutingService,
      createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1", interceptors: [apiKey(ADMIN)] }),
    );
    const { config: current } = await routing.getRoutingConfig({});
    const models = [
      ...((current as { models?: object[] }).models ?? []),
      { name: "relayed", deployments: [{ provider: "mock", model: "mock-small" }] },
    ];
    await routing.updateRoutingConfig({ config: { ...(current as object), models } as never });
    await eventually(async () => {
      // Fresh connections reach both workers: each must route `relayed` to its deployment.
      const models = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const res = await request(`${gw.url}/v1/chat/completions`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${ADMIN}`,
              "content-type": "application/json",
              connection: "close",
            },
            body: JSON.stringify({ model: "relayed", messages: HELLO }),
          });
          return ((await res.body.json()) as { model: string }).model;
        }),
      );
      return models.every((m) => m === "mock-small");
    }, 3_000);
  });

  it("replaces a worker killed mid-stream; its stream fails and the concurrency slot it held comes back", async () => {
    const before = await pidsSeen(8);
    // One connection: /health says which worker it reached, then the stream runs on the same one.
    const client = new Client(gw.url);
    const res = await client.request({ method: "GET", path: "/health" });
    const { pid: victim } = (await res.body.json()) as { pid: number };
    const stream = await chat(KEYS.conc, client, chatBody(true, { tokens: 100, itl_ms: 100 }));
    expect(stream.statusCode).toBe(200);
    const reading = stream.body.text();
    // The one slot is held: another call with the key is refused, whichever worker takes it.
    const second = await chat(KEYS.conc);
    await second.body.dump();
    expect(second.statusCode).toBe(429);

    process.kill(victim, "SIGKILL");
    await expect(reading).rejects.toThrow();
    await client.close().catch(() => {});
    // The survivor keeps serving, and the primary starts a replacement.
    await eventually(async () => {
      const pids = await pidsSeen(6);
      return pids.size === 2 && !pids.has(victim);
    }, 20_000);
    const survivor = [...before].find((p) => p !== victim);
    expect((await pidsSeen(6)).has(survivor as number)).toBe(true);
    // The dead worker's slot was given back by the broker: the key has room again.
    const again = await chat(KEYS.conc);
    await again.body.dump();
    expect(again.statusCode).toBe(200);
  }, 40_000);

  it("drains every worker on SIGTERM: a stream in flight finishes, then the process exits 0", async () => {
    const stream = await chat(KEYS.conc, undefined, chatBody(true, { tokens: 15, itl_ms: 100 }));
    expect(stream.statusCode).toBe(200);
    const reading = stream.body.text();
    gw.child.kill("SIGTERM");
    const text = await reading;
    expect(text).toContain("data: [DONE]");
    expect(await gw.exited).toBe(0);
  }, 30_000);
});
