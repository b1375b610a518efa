import { createServer, type Server } from "node:http";
import { Writable } from "node:stream";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../server/telemetry/logger.ts";
import { freshWindow } from "./harness/fresh-window.ts";
import { HELLO } from "./harness/openai-client.ts";
import { scrape } from "./harness/scrape.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * No secret ever reaches a log line or a metric label. A real gateway with
 * known secrets (two API keys, a provider's API key, a budget webhook's
 * signing secret) logs at debug, with the request log on, through the
 * production logger into a buffer; a full mix of calls (successes, a
 * stream, a wrong key, an upstream failure, a rate limit, a budget
 * refusal that fires a webhook, a guard block, a malformed body) runs
 * through it; then every captured line and the whole /metrics scrape are
 * searched for each secret.
 */

const ALICE = "sk-logtest-alice-9f8e7d6c5b4a";
const LIMITED = "sk-logtest-limited-1a2b3c4d5e";
const WRONG = "sk-logtest-wrong-0000deadbeef";
const PROVIDER_KEY = "upstream-provider-key-77aa88bb99cc";
const WEBHOOK_SECRET = "webhook-signing-secret-55dd66ee";
const SECRETS = [ALICE, LIMITED, WRONG, PROVIDER_KEY, WEBHOOK_SECRET];

const lines: string[] = [];
let gw: TestGateway;
let hook: Server;
let hooked = 0;

const client = (key: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });

async function attempt(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch {
    // Refusals and failures are part of the mix.
  }
}

beforeAll(async () => {
  // The mix counts one hour's window (`limited`) and one UTC day's spend (alice): an hour's end is a day's too.
  await freshWindow(3_600_000, 10_000);
  hook = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      hooked++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/alerts`;
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  gw = await startTestGateway({
    log: createLogger("debug", false, sink),
    config: (mockUrl) => ({
      keys: [
        { name: "alice", key: ALICE },
        { name: "limited", key: LIMITED },
      ],
      providers: [
        {
          name: "mock",
          base_url: `${mockUrl}/v1`,
          api_key: PROVIDER_KEY,
          models: [{ id: "mock-small", pricing: { input: 1_000, output: 2_000 } }],
        },
      ],
      log: { level: "debug", requests: true },
      limits: { keys: { limited: [{ requests: 1, window: "1h" }] } },
      budgets: {
        keys: { alice: [{ usd: 0.2, period: "day" }] },
        alerts: { thresholds: [0.5], webhook: { url: hookUrl, secret: WEBHOOK_SECRET, retries: 0 } },
      },
      guards: { secrets: { action: "block" } },
      routing: { retry: { max_attempts: 1 } },
    }),
  });
  const alice = client(ALICE);
  await alice.chat.completions.create({ model: "mock-small", messages: HELLO, max_tokens: 20 });
  const stream = await alice.chat.completions.create({
    model: "mock-small",
    messages: HELLO,
    max_tokens: 20,
    stream: true,
  });
  for await (const _ of stream);
  await attempt(() =>
    client(WRONG).chat.completions.create({ model: "mock-small", messages: HELLO, max_tokens: 20 }),
  );
  await attempt(() =>
    // Unknown body fields travel to the upstream: the mock's `mock` control makes it fail.
    alice.chat.completions.create({
      model: "mock-small",
      messages: HELLO,
      max_tokens: 20,
      mock: { status: 500 },
    } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming),
  );
  await attempt(() =>
    alice.chat.completions.create({
      model: "mock-small",
      messages: [{ role: "user", content: "deploy with AKIAIOSFODNN7EXAMPLE" }],
      max_tokens: 20,
    }),
  );
  await attempt(() =>
    client(LIMITED).chat.completions.create({ model: "mock-small", messages: HELLO, max_tokens: 20 }),
  );
  await attempt(() =>
    client(LIMITED).chat.completions.create({ model: "mock-small", messages: HELLO, max_tokens: 20 }),
  );
  // Spend past the budget: the next call is refused, and the alert goes to the webhook.
  for (let i = 0; i < 5; i++)
    await attempt(() =>
      alice.chat.completions.create({ model: "mock-small", messages: HELLO, max_tokens: 20 }),
    );
  await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${ALICE}`, "content-type": "application/json", "x-api-key": ALICE },
    body: '{"model": 7, "messages": "nope"',
  });
  await fetch(`${gw.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": WRONG, "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
  });
  // The webhook delivers off the request path.
  for (let i = 0; i < 50 && hooked === 0; i++) await new Promise((r) => setTimeout(r, 20));
});

afterAll(async () => {
  await gw?.close();
  await new Promise((resolve) => hook?.close(resolve));
});

describe("secrets stay out of logs and metrics", () => {
  // Each answer costs 4 × $0.001 + 16 × $0.002 = $0.036 and may cost up to $0.044 (max_tokens 20).
  it("ran a mix that used every secret", () => {
    const sent = gw.mock.requests.map((r) => String(r.headers.authorization ?? ""));
    expect(sent).toContain(`Bearer ${PROVIDER_KEY}`);
    expect(hooked).toBeGreaterThan(0);
    const statuses = lines
      .map((line) => JSON.parse(line) as { msg?: string; status?: string })
      .filter((entry) => entry.msg === "request")
      .map((entry) => entry.status);
    expect(new Set(statuses)).toEqual(
      new Set([
        "ok",
        "unauthenticated",
        "upstream_error",
        "guardrail_blocked",
        "rate_limited",
        "budget_exhausted",
        "invalid_request",
      ]),
    );
  });

  it("finds no secret in any log line", () => {
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) for (const secret of SECRETS) expect(line).not.toContain(secret);
  });

  it("finds no secret in /metrics", async () => {
    const text = await scrape(gw);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
});
