import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatRequestSchema, ChatService } from "../gen/llmgw/v1/chat_pb.js";
import {
  BreakerState,
  type DeploymentStatus,
  type ExplainRouteResponse,
  RoutingService,
} from "../gen/llmgw/v1/routing_pb.js";
import {
  apiKey,
  createLlmgwClient,
  createNodeTransport,
  ErrorDetailSchema,
  explainRoute,
  getRoutingConfig,
  type LlmgwClient,
  type RoutingConfigJson,
  updateRoutingConfig,
  userMessage,
} from "../sdk/index.ts";
import { meta, openaiClient } from "./harness/openai-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * RoutingService end to end: a real gateway in front of the mock, called through connect-node (Connect
 * over HTTP/1.1) and through the SDK's helpers (gRPC over HTTP/2, the direct gRPC path). Two
 * gateways: one with keys, a dead upstream and active probes for the live state and the admin rule;
 * one with a local and a cloud deployment for the virtual models, whose routes ExplainRoute must
 * predict exactly.
 */

const ADMIN = "sk-routing-admin-1";
const USER = "sk-routing-user-1";

/** A prompt the complexity classifier rates complex: a fenced block and code keywords. */
const CODE_PROMPT = [
  "Why does this function return undefined? Fix it and explain the async flow.",
  "```ts",
  "export async function load(id: string) {",
  "  const rows = await db.query('SELECT * FROM t WHERE id = ?', [id]);",
  "  for (const row of rows) { if (row.ok) { return row; } }",
  "}",
  "```",
].join("\n");

/** A port nothing listens on: connection refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** connect-node's Connect transport (HTTP/1.1), with the key as `authorization: Bearer`. */
function connectTransport(gw: TestGateway, key?: string) {
  return createConnectTransport({
    baseUrl: gw.url,
    httpVersion: "1.1",
    interceptors: key === undefined ? [] : [apiKey(key)],
  });
}

function connectClient(gw: TestGateway, key?: string): Client<typeof RoutingService> {
  return createClient(RoutingService, connectTransport(gw, key));
}

function chatClient(gw: TestGateway, key?: string): Client<typeof ChatService> {
  return createClient(ChatService, connectTransport(gw, key));
}

const sdkClients = new Map<string, LlmgwClient>();

/** The SDK's client over gRPC (HTTP/2), one per gateway and key, so each keeps one session. */
function sdk(gw: TestGateway, key?: string): LlmgwClient {
  const id = `${gw.url} ${key ?? ""}`;
  let client = sdkClients.get(id);
  if (client === undefined) {
    client = createLlmgwClient(
      createNodeTransport({ baseUrl: gw.url, protocol: "grpc", ...(key ? { apiKey: key } : {}) }),
    );
    sdkClients.set(id, client);
  }
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail");
}

/** Polls `read` until `done` holds of it, for up to `ms`. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 5_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function byId(list: readonly DeploymentStatus[], id: string): DeploymentStatus {
  const found = list.find((d) => d.id === id);
  if (found === undefined) throw new Error(`no deployment ${id} in ${list.map((d) => d.id).join(", ")}`);
  return found;
}

/** Chat completions the mock has seen (health probes list models, which is not a chat). */
function chats(gw: TestGateway): number {
  return gw.mock.requests.filter((r) => r.path.endsWith("/chat/completions")).length;
}

describe("RoutingService: live state and the admin rule", () => {
  let gw: TestGateway;
  const ASSISTANT = {
    name: "assistant",
    deployments: [
      {
        id: "local",
        provider: "local",
        model: "mock-small",
        tags: ["local"],
        quality: 0.5,
        max_concurrency: 1,
        max_queue: 2,
      },
      { id: "cloud", provider: "cloud", model: "mock-large", quality: 0.95, priority: 1 },
    ],
  };

  beforeAll(async () => {
    const dead = await closedPort();
    gw = await startTestGateway({
      config: (url) => ({
        providers: [
          { name: "local", base_url: `${url}/v1`, models: ["mock-small"], discover: false },
          {
            name: "cloud",
            base_url: `${url}/v1`,
            models: [{ id: "mock-large", pricing: { input: 3, output: 15 } }],
            discover: false,
          },
          { name: "dead", base_url: `http://127.0.0.1:${dead}/v1`, models: ["mock-small"], discover: false },
        ],
        keys: [
          { name: "ops", key: ADMIN, admin: true },
          { name: "app", key: USER },
        ],
        routing: {
          retry: { max_attempts: 1 },
          breaker: { consecutive_failures: 2, half_open_after_ms: 60_000 },
          health: { probe_interval_ms: 100, probe_timeout_ms: 1_000, unhealthy_after: 1 },
          models: [
            ASSISTANT,
            { name: "down", deployments: [{ id: "dead", provider: "dead", model: "mock-small" }] },
          ],
        },
      }),
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  const served = async (key = USER) => {
    const done = await openaiClient(gw, key).chat.completions.create({
      model: "assistant",
      messages: [{ role: "user", content: "Hello there" }],
    });
    return meta(done).deployment;
  };

  it("lists each deployment with its settings, health, breaker, in-flight count and queue depth", async () => {
    // The dead upstream: two refused requests open its breaker; the probes mark it unhealthy.
    const chat = chatClient(gw, USER);
    for (let i = 0; i < 2; i++) {
      const error = await rejection(
        chat.complete({ chat: { model: "down", messages: [userMessage("Hello")] } }),
      );
      expect(error.code).toBe(Code.Unavailable);
    }
    const routing = connectClient(gw, USER);
    const { deployments } = await eventually(
      () => routing.listDeployments({}),
      (r) => !byId(r.deployments, "dead").healthy,
    );
    expect(deployments.map((d) => d.id)).toEqual(["local", "cloud", "dead"]);
    const dead = byId(deployments, "dead");
    expect(dead).toMatchObject({
      model: "down",
      models: ["down"],
      provider: "dead",
      upstreamModel: "mock-small",
      healthy: false,
      breaker: BreakerState.OPEN,
      attempts: 2n,
      failures: 2n,
      inFlight: 0,
    });
    expect(dead.healthReason).toMatch(/health probes? failed/);
    expect(byId(deployments, "cloud")).toMatchObject({
      healthy: true,
      breaker: BreakerState.CLOSED,
      priority: 1,
      weight: 1,
      local: false,
      maxQueue: 0,
    });
    expect(byId(deployments, "cloud").maxConcurrency).toBeUndefined();

    // Two slow requests on a deployment with one slot: one in flight, one queued.
    const slow = { model: "assistant", messages: [userMessage("Hello")], extra: { mock: { ttft_ms: 800 } } };
    const both = Promise.all([chat.complete({ chat: slow }), chat.complete({ chat: slow })]);
    const busy = await eventually(
      () => sdk(gw, USER).routing.listDeployments({}),
      (r) => byId(r.deployments, "local").queueDepth === 1,
    );
    expect(byId(busy.deployments, "local")).toMatchObject({
      models: ["assistant"],
      provider: "local",
      healthy: true,
      breaker: BreakerState.CLOSED,
      inFlight: 1,
      queueDepth: 1,
      maxConcurrency: 1,
      maxQueue: 2,
      tags: ["local"],
      local: true,
    });
    const answers = await both;
    expect(answers.map((a) => a.gateway?.deployment)).toEqual(["local", "local"]);
    const after = byId((await routing.listDeployments({})).deployments, "local");
    expect(after).toMatchObject({ inFlight: 0, queueDepth: 0 });
    expect(after.attempts).toBeGreaterThanOrEqual(2n);
    expect(after.latencyEwmaMs).toBeGreaterThanOrEqual(700);
  });

  it("refuses an update from a key that is not an admin key, and any key may read", async () => {
    const before = await getRoutingConfig(sdk(gw, USER));
    expect(before.models?.map((m) => m.name)).toEqual(["assistant", "down"]);
    const viaConnect = await rejection(connectClient(gw, USER).updateRoutingConfig({ config: {} }));
    expect(viaConnect.code).toBe(Code.PermissionDenied);
    expect(viaConnect.findDetails(ErrorDetailSchema)[0]?.code).toBe("permission_denied");
    const viaSdk = await rejection(updateRoutingConfig(sdk(gw, USER), { strategy: "cost" }));
    expect(viaSdk.code).toBe(Code.PermissionDenied);
    const anonymous = await rejection(connectClient(gw).getRoutingConfig({}));
    expect(anonymous.code).toBe(Code.Unauthenticated);
    expect(await getRoutingConfig(sdk(gw, ADMIN))).toEqual(before);
  });

  it("refuses a bad update whole, and nothing changes", async () => {
    const admin = sdk(gw, ADMIN);
    const before = await getRoutingConfig(admin);
    const unknownStrategy = await rejection(
      updateRoutingConfig(admin, { ...before, strategy: "fastest" as RoutingConfigJson["strategy"] }),
    );
    expect(unknownStrategy.code).toBe(Code.InvalidArgument);
    expect(unknownStrategy.findDetails(ErrorDetailSchema)[0]?.code).toBe("invalid_request");
    expect(unknownStrategy.rawMessage).toMatch(/nothing was changed[\s\S]*- strategy: Invalid option/);

    const unknownProvider = structuredClone(before);
    unknownProvider.strategy = "cost";
    unknownProvider.models?.[0]?.deployments.push({ id: "ghost", provider: "nowhere", model: "mock-small" });
    const refused = await rejection(
      connectClient(gw, ADMIN).updateRoutingConfig({ config: unknownProvider as never }),
    );
    expect(refused.code).toBe(Code.InvalidArgument);
    expect(refused.rawMessage).toMatch(
      /models\[0\]\.deployments\[2\]\.provider: no provider is named "nowhere"/,
    );

    expect(await getRoutingConfig(admin)).toEqual(before);
    const { deployments } = await admin.routing.listDeployments({});
    expect(deployments.map((d) => d.id)).toEqual(["local", "cloud", "dead"]);
    expect(await served()).toBe("local");
  });

  it("puts a good update in force for the next request, keeping each deployment's statistics", async () => {
    const admin = sdk(gw, ADMIN);
    const before = await getRoutingConfig(admin);
    const measured = byId((await admin.routing.listDeployments({})).deployments, "local");
    expect(await served()).toBe("local");

    // Cloud first, local as its overflow.
    const swapped = structuredClone(before);
    const [local, cloud] = swapped.models?.[0]?.deployments ?? [];
    if (local === undefined || cloud === undefined) throw new Error("assistant has two deployments");
    [local.priority, cloud.priority] = [1, 0];
    const now = await updateRoutingConfig(admin, swapped);
    expect(now.models?.[0]?.deployments.map((d) => [d.id, d.priority])).toEqual([
      ["local", 1],
      ["cloud", 0],
    ]);
    expect(await getRoutingConfig(sdk(gw, USER))).toEqual(now);
    const kept = byId((await admin.routing.listDeployments({})).deployments, "local");
    expect(kept.attempts).toBe(measured.attempts + 1n);
    expect(kept.priority).toBe(1);
    expect(await served()).toBe("cloud");

    await updateRoutingConfig(admin, before);
    expect(await served()).toBe("local");
  });

  it("puts an update's retry settings in force too", async () => {
    const admin = sdk(gw, ADMIN);
    const before = await getRoutingConfig(admin);
    const failing = {
      model: "assistant",
      messages: [userMessage("Hello")],
      extra: { mock: { status: 503 } },
    };
    const chat = chatClient(gw, USER);
    let seen = chats(gw);
    await rejection(chat.complete({ chat: failing }));
    expect(chats(gw) - seen).toBe(1);

    await updateRoutingConfig(admin, {
      ...before,
      retry: { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 5 },
      breaker: { enabled: false },
    });
    seen = chats(gw);
    const error = await rejection(chat.complete({ chat: failing }));
    // Local, then cloud, then local again: three attempts, as the new settings allow.
    expect(chats(gw) - seen).toBe(3);
    expect(error.rawMessage).toMatch(/local/);
    await updateRoutingConfig(admin, before);
    expect(await served()).toBe("local");
  });

  it("explains a route without sending anything upstream", async () => {
    const chatsBefore = chats(gw);
    const explained = await explainRoute(sdk(gw, USER), "assistant", "Hello there");
    expect(explained).toMatchObject({ model: "assistant", deployment: "local" });
    expect(explained.decision?.deployment).toBe("local");
    expect(explained.candidates.map((c) => [c.deployment, c.eligible])).toEqual([
      ["local", true],
      ["cloud", true],
    ]);
    // Hints work as on ChatService: the message's own, or the x-llmgw-* headers.
    const preferred = await explainRoute(sdk(gw, USER), "assistant", "Hello", {
      hints: { preferProvider: "cloud" },
    });
    expect(preferred.deployment).toBe("cloud");
    expect(preferred.candidates[0]?.reason).toBe("provider cloud preferred by the caller");
    const viaHeader = await connectClient(gw, USER).explainRoute(
      { chat: { model: "assistant", messages: [userMessage("Hello")] } },
      { headers: { "x-llmgw-prefer-provider": "cloud" } },
    );
    expect(viaHeader.deployment).toBe("cloud");
    // A dead deployment is still explained, and why it would be tried last.
    const down = await explainRoute(sdk(gw, USER), "down", "Hello");
    expect(down.deployment).toBe("dead");
    expect(down.candidates[0]?.reason).toMatch(/unhealthy .*: tried last/);
    const badHint = await rejection(
      explainRoute(sdk(gw, USER), "assistant", "Hello", { hints: { strategy: "fastest" } }),
    );
    expect(badHint.code).toBe(Code.InvalidArgument);
    expect(chats(gw)).toBe(chatsBefore);
  });
});

describe("RoutingService: ExplainRoute gives the real route for the virtual models", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      config: (url) => ({
        providers: [
          { name: "local", base_url: `${url}/v1`, models: ["mock-small"], discover: false },
          {
            name: "cloud",
            base_url: `${url}/v1`,
            models: [{ id: "mock-large", pricing: { input: 3, output: 15 } }],
            discover: false,
          },
        ],
        routing: {
          health: { probe_interval_ms: 0 },
          models: [
            {
              name: "small",
              deployments: [
                { id: "local", provider: "local", model: "mock-small", tags: ["local"], quality: 0.5 },
              ],
            },
            {
              name: "large",
              deployments: [{ id: "cloud", provider: "cloud", model: "mock-large", quality: 0.95 }],
            },
          ],
          virtual: { pool: ["small", "large"] },
        },
      }),
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** The explanation, then the real route of the same request over REST and over RPC, compared. */
  async function explainThenRoute(prompt: string): Promise<ExplainRouteResponse> {
    const explained = await explainRoute(sdk(gw), "auto", prompt);
    const served = explained.candidates[0];
    expect(explained.deployment).toBe(served?.deployment);
    expect(explained.decision?.score).toBe(served?.score);
    for (const c of explained.candidates) expect(c.score).toBeTypeOf("number");

    const rest = meta(
      await openaiClient(gw).chat.completions.create({
        model: "auto",
        messages: [{ role: "user", content: prompt }],
      }),
    );
    expect(rest.deployment).toBe(explained.deployment);
    expect(rest.routing_decision).toMatchObject({
      strategy: explained.decision?.strategy,
      deployment: explained.deployment,
      complexity: explained.decision?.complexity,
    });
    expect(rest.routing_decision?.score).toBeCloseTo(explained.decision?.score ?? Number.NaN, 6);

    // Asked again: the REST request has since been measured, which can move the scores.
    const again = await explainRoute(sdk(gw), "auto", prompt);
    const rpc = await chatClient(gw).complete({
      chat: create(ChatRequestSchema, { model: "auto", messages: [userMessage(prompt)] }),
    });
    expect(rpc.gateway?.deployment).toBe(again.deployment);
    expect(rpc.gateway?.routingDecision).toMatchObject({
      strategy: again.decision?.strategy,
      deployment: again.deployment,
      complexity: again.decision?.complexity,
    });
    expect(rpc.gateway?.routingDecision?.score).toBeCloseTo(again.decision?.score ?? Number.NaN, 6);
    return explained;
  }

  it("routes a plain greeting to the free local deployment", async () => {
    const explained = await explainThenRoute("Hello! How are you today?");
    expect(explained.deployment).toBe("local");
    expect(explained.decision).toMatchObject({ strategy: "cost", complexity: "simple", deployment: "local" });
    expect(explained.candidates.map((c) => c.deployment)).toEqual(["local", "cloud"]);
    const [local, cloud] = explained.candidates;
    expect(local?.score).toBeGreaterThan(cloud?.score ?? 1);
  });

  it("routes a code-heavy prompt to the quality deployment, and says why", async () => {
    const explained = await explainThenRoute(CODE_PROMPT);
    expect(explained.deployment).toBe("cloud");
    expect(explained.decision).toMatchObject({
      strategy: "quality",
      complexity: "complex",
      deployment: "cloud",
    });
    expect(explained.complexitySignals.join("; ")).toMatch(/code: fenced block/);
    const [cloud, local] = explained.candidates;
    expect(cloud?.deployment).toBe("cloud");
    // Local scored below the prefer-local share of the best, so it did not win.
    expect(local?.score).toBeLessThan(0.7 * (cloud?.score ?? 0));
  });

  it("answers ExplainRoute to buf curl too", async () => {
    const body = JSON.stringify({
      chat: { model: "auto", messages: [{ role: "ROLE_USER", content: [{ text: "Hi there" }] }] },
    });
    const root = join(import.meta.dirname, "..");
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        join(root, "node_modules", ".bin", "buf"),
        [
          "curl",
          "--schema",
          "proto",
          "--protocol",
          "connect",
          "-d",
          body,
          `${gw.url}/llmgw.v1.RoutingService/ExplainRoute`,
        ],
        { cwd: root, timeout: 20_000 },
        (error, out) => (error === null ? resolve(out) : reject(error)),
      ),
    );
    const answer = JSON.parse(stdout) as {
      deployment: string;
      decision: { strategy: string; complexity: string };
    };
    expect(answer.deployment).toBe("local");
    expect(answer.decision).toMatchObject({ strategy: "cost", complexity: "simple" });
  });
});
