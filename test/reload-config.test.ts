import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RoutingService } from "../gen/llmgw/v1/routing_pb.js";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { apiKey } from "../sdk/index.ts";
import { HELLO } from "./harness/openai-client.ts";
import { RedisServer } from "./harness/redis-server.ts";
import { eventually, type Replica, startReplica } from "./harness/replicas.ts";
import { type ServeProcess, serveProcess } from "./harness/serve-process.ts";

/**
 * Config reload without a restart. One `llmgw serve --config FILE` process:
 * an edited file is taken up by the file watch, SIGHUP re-reads it, a bad
 * file is refused and logged while the old config keeps serving, a change
 * that needs a restart (the port) is named and left alone, and a stream in
 * flight finishes on the routing it started with. Then two replicas on one
 * Redis: UpdateRoutingConfig on one is in force on the other within a second.
 */

const KEY = "sk-reload-admin-0001";

let mock: MockUpstream;
let dir: string;
let file: string;
let gw: ServeProcess;
let output = "";

function config(routedName: string, port = 0): string {
  return JSON.stringify({
    server: { port, shutdown_grace_ms: 500 },
    providers: [{ name: "mock", base_url: `${mock.url}/v1`, models: ["mock-small"] }],
    keys: [{ name: "admin", key: KEY, admin: true }],
    routing: { models: [{ name: routedName, deployments: [{ provider: "mock", model: "mock-small" }] }] },
    usage: { path: join(dir, "usage.db") },
  });
}

async function chat(url: string, model: string, stream = false, mockControls = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: HELLO, stream, mock: mockControls }),
  });
}

/**
 * Whether `name` is a routed model in force: its calls go to the deployment's upstream model
 * (mock-small). A name not routed goes to the provider as it is (the mock answers with it).
 */
async function routed(url: string, name: string): Promise<boolean> {
  const res = await chat(url, name);
  const body = (await res.json()) as { model?: string };
  expect(res.status).toBe(200);
  return body.model === "mock-small";
}

beforeAll(async () => {
  mock = await startMockUpstream({ record: false });
  dir = mkdtempSync(join(tmpdir(), "llmgw-reload-"));
  file = join(dir, "llmgw.yaml");
  writeFileSync(file, config("chat-v1"));
  gw = await serveProcess(file);
  gw.child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
}, 60_000);

afterAll(async () => {
  gw?.child.kill("SIGKILL");
  await mock?.close();
});

describe("llmgw serve --config FILE reloads", () => {
  it("takes up an edited file's routing through the file watch", async () => {
    expect(await routed(gw.url, "chat-v1")).toBe(true);
    expect(await routed(gw.url, "chat-v2")).toBe(false);
    writeFileSync(file, config("chat-v2"));
    await eventually(async () => await routed(gw.url, "chat-v2"), 10_000);
    expect(await routed(gw.url, "chat-v1")).toBe(false);
  });

  it("refuses a bad file on SIGHUP, logs why, and keeps serving the old config", async () => {
    writeFileSync(file, "routing: [this is: not, valid");
    gw.child.kill("SIGHUP");
    await eventually(async () => output.includes("config reload refused"), 5_000);
    expect(await routed(gw.url, "chat-v2")).toBe(true);
  });

  it("names a change that needs a restart (the port) and leaves it alone, applying the rest", async () => {
    writeFileSync(file, config("chat-v3", 1));
    gw.child.kill("SIGHUP");
    await eventually(async () => await routed(gw.url, "chat-v3"), 5_000);
    expect(output).toMatch(/"sections":\["server"\].*needs a restart/);
  });

  it("lets a stream in flight finish on the routing it started with", async () => {
    const streaming = chat(gw.url, "chat-v3", true, { tokens: 20, itl_ms: 50 }).then((res) => res.text());
    await new Promise((resolve) => setTimeout(resolve, 200));
    writeFileSync(file, config("chat-v4", 1));
    gw.child.kill("SIGHUP");
    await eventually(async () => await routed(gw.url, "chat-v4"), 5_000);
    // Routed before the change, the stream runs to its end on chat-v3's deployment.
    const text = await streaming;
    expect(text).toContain('"model":"mock-small"');
    expect(text).toContain("data: [DONE]");
    expect(await routed(gw.url, "chat-v3")).toBe(false);
  });
});

describe("with Redis, a routing change reaches every replica", () => {
  let redis: RedisServer;
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const replicaConfig = (mockUrl: string) => ({
      keys: [{ name: "admin", key: KEY, admin: true }],
      routing: {
        models: [{ name: "shared-v1", deployments: [{ provider: "mock", model: "mock-small" }] }],
      },
      providers: [{ name: "mock", base_url: `${mockUrl}/v1`, models: ["mock-small"] }],
    });
    [a, b] = await Promise.all([startReplica(redis, replicaConfig), startReplica(redis, replicaConfig)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  it("UpdateRoutingConfig on one replica is in force on the other within a second", async () => {
    const routing = createClient(
      RoutingService,
      createConnectTransport({ baseUrl: a.url, httpVersion: "1.1", interceptors: [apiKey(KEY)] }),
    );
    const { config: current } = await routing.getRoutingConfig({});
    const models = (current as { models: { name: string }[] }).models;
    (models[0] as { name: string }).name = "shared-v2";
    const changedAt = Date.now();
    await routing.updateRoutingConfig({ config: { ...(current as object), models } as never });
    expect(await routed(a.url, "shared-v2")).toBe(true);
    await eventually(async () => await routed(b.url, "shared-v2"), 1_000);
    expect(Date.now() - changedAt).toBeLessThan(1_000);
    expect(await routed(b.url, "shared-v1")).toBe(false);
  });
});
