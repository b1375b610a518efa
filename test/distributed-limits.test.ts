import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatRequestSchema, Role } from "../gen/llmgw/v1/chat_pb.js";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { estimateChatTokens } from "../server/routing/prompt-size.ts";
import { freshWindow } from "./harness/fresh-window.ts";
import { HELLO } from "./harness/openai-client.ts";
import { RedisServer } from "./harness/redis-server.ts";
import { degradedGauge, eventually, type Replica, startReplica } from "./harness/replicas.ts";
import { serveProcess } from "./harness/serve-process.ts";

/**
 * Rate limits held across replicas: one real redis-server, two gateways (in
 * this process, each with its own listener, mock upstream and ledger) both
 * pointed at it, and requests spread over the two. Windows are aligned to
 * the epoch, so a test that must stay in one window first waits for one
 * with enough time left in it. The fault tests kill Redis, so they run last.
 */

const MINUTE = 60_000;
const KEYS = {
  rpm: "sk-dist-rpm-000001",
  tpm: "sk-dist-tpm-000001",
  faults: "sk-dist-faults-0001",
  procs: "sk-dist-procs-00001",
} as const;
const MAX_TOKENS = 16;
/** What each call reserves on a token counter: the gateway's prompt estimate plus max_tokens. */
const RESERVED =
  estimateChatTokens(
    create(ChatRequestSchema, {
      messages: [
        { role: Role.USER, content: [{ part: { case: "text", value: "Hello there, mock upstream!" } }] },
      ],
    }),
  ) + MAX_TOKENS;

const limits = (failOpen: boolean) => ({
  keys: Object.entries(KEYS).map(([name, key]) => ({ name, key })),
  limits: {
    keys: {
      rpm: [{ requests: 100, window: "1m" }],
      tpm: [{ tokens: 100 * RESERVED, window: "1m" }],
      faults: [{ requests: 100_000, window: "1m" }],
      procs: [{ requests: 100, window: "1m" }],
    },
    fail_open: failOpen,
  },
});

let redis: RedisServer;
let a: Replica;
let b: Replica;
/** A third replica on the same Redis whose limits fail open. */
let open: Replica;

beforeAll(async () => {
  redis = await RedisServer.start();
  [a, b, open] = await Promise.all([
    startReplica(redis, limits(false)),
    startReplica(redis, limits(false)),
    startReplica(redis, limits(true)),
  ]);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), open?.close()]);
  await redis?.stop();
});

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { error?: { code?: string } };
}

async function send(gw: { url: string }, key: string, extra: Record<string, unknown> = {}): Promise<Answer> {
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "mock-small", messages: HELLO, ...extra }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body: (await response.json()) as Answer["body"],
  };
}

/** `count` requests at once, alternating between the two replicas. */
function spread(count: number, key: string, extra?: Record<string, unknown>): Promise<Answer[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => send(i % 2 === 0 ? a : b, key, extra)));
}

function expectExactly100Of300(answers: Answer[]): void {
  const passed = answers.filter((r) => r.status === 200);
  const refused = answers.filter((r) => r.status === 429);
  expect(passed).toHaveLength(100);
  expect(refused).toHaveLength(200);
  for (const r of refused) {
    expect(r.body.error?.code).toBe("rate_limited");
    expect(Number(r.retryAfter)).toBeGreaterThan(0);
  }
}

describe("rate limits on Redis, over two replicas", () => {
  it("300 concurrent requests against 100 a minute: exactly 100 pass over both replicas, 200 get 429 with Retry-After", async () => {
    await freshWindow(MINUTE, 15_000);
    const answers = await spread(300, KEYS.rpm);
    expectExactly100Of300(answers);
    // Both replicas admitted some: the count is shared, not per replica.
    const passedOn = (parity: number) => answers.filter((r, i) => r.status === 200 && i % 2 === parity);
    expect(passedOn(0).length).toBeGreaterThan(0);
    expect(passedOn(1).length).toBeGreaterThan(0);
  });

  it("the same with a token limit: room for 100 reservations a minute admits exactly 100 of 300", async () => {
    await freshWindow(MINUTE, 15_000);
    // The mock holds each answer, so every admission is decided before any reservation is corrected.
    const answers = await spread(300, KEYS.tpm, { max_tokens: MAX_TOKENS, mock: { ttft_ms: 2_000 } });
    expectExactly100Of300(answers);
  });
});

describe("rate limits on Redis, over two `llmgw serve` processes", () => {
  let mock: MockUpstream;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(async () => {
    for (const child of children) child.kill("SIGTERM");
    await mock?.close();
  });

  it("300 concurrent requests against 100 a minute over two gateway processes: exactly 100 pass", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llmgw-procs-"));
    const started = await Promise.all(
      ["one", "two"].map((name) => {
        const file = join(dir, `${name}.yaml`);
        // JSON is YAML: each process has its own ledger file and shares only the Redis.
        writeFileSync(
          file,
          JSON.stringify({
            ...limits(false),
            server: { port: 0, shutdown_grace_ms: 500 },
            providers: [{ name: "mock", base_url: `${mock.url}/v1`, models: ["mock-small"] }],
            usage: { path: join(dir, `${name}.db`) },
            redis: { url: redis.url },
          }),
        );
        return serveProcess(file).then((process) => {
          children.push(process.child);
          return process;
        });
      }),
    );
    await freshWindow(MINUTE, 15_000);
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => send(started[i % 2] as { url: string }, KEYS.procs)),
    );
    expectExactly100Of300(answers);
  });
});

describe("Redis faults", () => {
  it("with Redis killed, limits fail closed with `unavailable` (503) and the degraded gauge reads 1; restarted, service resumes with no gateway restart", async () => {
    expect((await send(a, KEYS.faults)).status).toBe(200);
    expect(await degradedGauge(a, "limits")).toBe(0);
    await redis.kill();
    const refused = await send(a, KEYS.faults);
    expect(refused.status).toBe(503);
    expect(refused.body.error?.code).toBe("unavailable");
    expect((await send(b, KEYS.faults)).status).toBe(503);
    expect(await degradedGauge(a, "limits")).toBe(1);
    expect(await degradedGauge(b, "limits")).toBe(1);
    expect(a.logged.map((l) => l.msg)).toContain(
      "the rate-limit store failed: calls are refused with unavailable",
    );

    // With fail_open, the same outage lets calls through, with a warning.
    expect((await send(open, KEYS.faults)).status).toBe(200);
    expect(await degradedGauge(open, "limits")).toBe(1);
    expect(open.logged).toContainEqual({
      level: 40,
      msg: "the rate-limit store failed: calls pass unlimited (limits.fail_open)",
    });

    await redis.restart();
    // Each replica reconnects on its own backoff (at most 1 s apart), with no restart.
    for (const gw of [a, b]) await eventually(async () => (await send(gw, KEYS.faults)).status === 200);
    expect(await degradedGauge(a, "limits")).toBe(0);
    expect(await degradedGauge(b, "limits")).toBe(0);
    // The fail-open replica passed calls all along; it is healthy again once one is counted in Redis.
    await eventually(
      async () =>
        (await send(open, KEYS.faults)).status === 200 && (await degradedGauge(open, "limits")) === 0,
    );
  });
});
