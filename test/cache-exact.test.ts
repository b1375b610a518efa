import { spawnSync } from "node:child_process";
import { DatabaseSync } from "node:sqlite";
import type OpenAI from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import { ledgerEntries } from "./harness/observe.ts";
import {
  collect,
  failure,
  finishOf,
  HELLO,
  meta,
  openaiClient,
  requestBuilders,
  TOOL_PROMPT,
  textOf,
  WEATHER_TOOL,
} from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The exact cache through the real `openai` SDK, in front of the real mock
 * upstream: what is answered from the cache, what is not, and how a cached
 * answer comes back to a unary and a streaming caller.
 */

const { chat, streamed } = requestBuilders("mock-small");

/** The `x-llmgw` object with the cache's fields. */
interface CacheMeta {
  cache_hit?: boolean;
  cache_kind?: string;
  similarity?: number;
  cost_saved_usd?: number;
  cost_usd?: number;
}
const cacheMeta = (value: object) => meta(value) as unknown as CacheMeta;

/** The `x-llmgw` object a stream carries on its last chunk. */
const streamMeta = (chunks: OpenAI.Chat.ChatCompletionChunk[]) => cacheMeta(chunks.at(-1) as object);

/** A prompt no other test sends, so every test starts from an empty entry. */
let n = 0;
const fresh = (): OpenAI.Chat.ChatCompletionMessageParam[] => [
  { role: "user", content: `Question ${++n}: ${HELLO[0]?.content as string}` },
];

describe("the exact cache", () => {
  let gw: TestGateway;
  let openai: OpenAI;

  useTestGateway(
    {
      config: (mockUrl: string) => ({
        providers: [
          {
            name: "mock",
            base_url: `${mockUrl}/v1`,
            models: [{ id: "mock-small", pricing: { input: 1, output: 2 } }],
          },
        ],
        aliases: { fast: "mock:mock-small" },
        cache: {},
      }),
    },
    (started) => {
      gw = started;
      openai = openaiClient(gw);
    },
  );
  beforeEach(() => {
    gw.mock.reset();
  });

  it("answers the same request twice with one upstream call, the second from the cache", async () => {
    const body = chat({ messages: fresh(), temperature: 0 });
    const first = await openai.chat.completions.create(body);
    const second = await openai.chat.completions.create(body);
    expect(gw.mock.requests).toHaveLength(1);
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
    expect(second.usage).toMatchObject({
      prompt_tokens: first.usage?.prompt_tokens,
      completion_tokens: first.usage?.completion_tokens,
    });
    expect(cacheMeta(first).cache_hit).toBeUndefined();
    expect(cacheMeta(second)).toMatchObject({
      cache_hit: true,
      cache_kind: "exact",
      similarity: 1,
      cost_usd: 0,
    });
    expect(cacheMeta(second).cost_saved_usd).toBeCloseTo(cacheMeta(first).cost_usd as number, 12);
  });

  it("shares one entry between an alias and the model it names, and ignores user and metadata", async () => {
    const messages = fresh();
    await openai.chat.completions.create(chat({ messages, model: "fast", user: "alice" }));
    const again = await openai.chat.completions.create(
      chat({ messages, model: "mock:mock-small", user: "bob" }),
    );
    expect(gw.mock.requests).toHaveLength(1);
    expect(cacheMeta(again).cache_hit).toBe(true);
  });

  it("replays a unary answer to a streaming caller, with content, finish, usage and [DONE]", async () => {
    const messages = fresh();
    const unary = await openai.chat.completions.create(chat({ messages }));
    const chunks = await collect(await openai.chat.completions.create(streamed({ messages })));
    expect(gw.mock.requests).toHaveLength(1);
    expect(textOf(chunks)).toBe(unary.choices[0]?.message.content);
    expect(finishOf(chunks)).toBe("stop");
    expect(chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: unary.usage?.prompt_tokens,
      completion_tokens: unary.usage?.completion_tokens,
    });
    expect(streamMeta(chunks)).toMatchObject({ cache_hit: true, cache_kind: "exact" });
  });

  it("stores a streamed answer and gives it back to a unary caller, and to a stream again", async () => {
    const messages = fresh();
    const chunks = await collect(await openai.chat.completions.create(streamed({ messages })));
    const unary = await openai.chat.completions.create(chat({ messages }));
    const replayed = await collect(await openai.chat.completions.create(streamed({ messages })));
    expect(gw.mock.requests).toHaveLength(1);
    expect(unary.choices[0]?.message.content).toBe(textOf(chunks));
    expect(unary.choices[0]?.finish_reason).toBe("stop");
    expect(unary.usage?.completion_tokens).toBe(chunks.at(-1)?.usage?.completion_tokens);
    expect(cacheMeta(unary).cache_hit).toBe(true);
    expect(textOf(replayed)).toBe(textOf(chunks));
  });

  it("replays a cached tool call as tool-call deltas", async () => {
    const body = { messages: TOOL_PROMPT, tools: [WEATHER_TOOL] };
    const unary = await openai.chat.completions.create(chat(body));
    const call = unary.choices[0]?.message.tool_calls?.[0];
    expect(call?.type).toBe("function");
    const chunks = await collect(await openai.chat.completions.create(streamed(body)));
    expect(gw.mock.requests).toHaveLength(1);
    const delta = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])[0];
    expect(delta).toMatchObject({ index: 0, id: call?.id, function: { name: "get_weather" } });
    expect(finishOf(chunks)).toBe("tool_calls");
  });

  it("misses when the tools differ", async () => {
    const messages = fresh();
    await openai.chat.completions.create(chat({ messages, tools: [WEATHER_TOOL] }));
    const other = { ...WEATHER_TOOL, function: { ...WEATHER_TOOL.function, name: "get_forecast" } };
    const second = await openai.chat.completions.create(chat({ messages, tools: [other] }));
    expect(gw.mock.requests).toHaveLength(2);
    expect(cacheMeta(second).cache_hit).toBeUndefined();
  });

  it("misses when a sampling parameter differs", async () => {
    const messages = fresh();
    await openai.chat.completions.create(chat({ messages, temperature: 0 }));
    await openai.chat.completions.create(chat({ messages, temperature: 0.5 }));
    expect(gw.mock.requests).toHaveLength(2);
  });

  it("never keeps an upstream error: the same request after a 500 goes upstream again", async () => {
    const body = chat({ messages: fresh() });
    gw.mock.setBehaviour({ status: 500 });
    await failure(openai.chat.completions.create(body));
    gw.mock.setBehaviour(undefined);
    const failedAttempts = gw.mock.requests.length;
    const after = await openai.chat.completions.create(body);
    expect(gw.mock.requests).toHaveLength(failedAttempts + 1);
    expect(cacheMeta(after).cache_hit).toBeUndefined();
  });

  it("never keeps a stream cut short", async () => {
    const messages = fresh();
    gw.mock.setBehaviour({ dropAfter: 2 });
    await failure(collect(await openai.chat.completions.create(streamed({ messages }))));
    gw.mock.setBehaviour(undefined);
    const cutShort = gw.mock.requests.length;
    const after = await openai.chat.completions.create(chat({ messages }));
    expect(gw.mock.requests).toHaveLength(cutShort + 1);
    expect(cacheMeta(after).cache_hit).toBeUndefined();
  });

  it("skips the cache with x-llmgw-cache: off, and with the body's x-cache: false", async () => {
    const body = chat({ messages: fresh() });
    await openai.chat.completions.create(body);
    const off = await openai.chat.completions.create(body, { headers: { "x-llmgw-cache": "off" } });
    const bodyOff = await openai.chat.completions.create({ ...body, "x-cache": false } as typeof body);
    expect(gw.mock.requests).toHaveLength(3);
    expect(cacheMeta(off).cache_hit).toBeUndefined();
    expect(cacheMeta(bodyOff).cache_hit).toBeUndefined();
    // x-cache is the gateway's own: it never reaches the upstream.
    expect(gw.mock.requests.at(-1)?.body).not.toHaveProperty("x-cache");
  });

  it("refetches and overwrites with x-llmgw-cache: refresh", async () => {
    const body = chat({ messages: fresh() });
    await openai.chat.completions.create(body);
    const refreshed = await openai.chat.completions.create(body, { headers: { "x-llmgw-cache": "refresh" } });
    const after = await openai.chat.completions.create(body);
    expect(gw.mock.requests).toHaveLength(2);
    expect(cacheMeta(refreshed).cache_hit).toBeUndefined();
    expect(cacheMeta(after).cache_hit).toBe(true);
  });

  it("refuses a malformed x-llmgw-cache header with a 400 in OpenAI's shape", async () => {
    const error = (await failure(
      openai.chat.completions.create(chat({ messages: fresh() }), {
        headers: { "x-llmgw-cache": "sometimes" },
      }),
    )) as { status: number; message: string };
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/x-llmgw-cache/);
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("refuses a non-boolean x-cache with a 400", async () => {
    const body = {
      ...chat({ messages: fresh() }),
      "x-cache": "no",
    } as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
    const error = (await failure(openai.chat.completions.create(body))) as { status: number };
    expect(error.status).toBe(400);
  });

  it("accounts a hit as an ok ledger row with the original's tokens and no cost", async () => {
    const body = chat({ messages: fresh() });
    const first = await openai.chat.completions.create(body);
    const second = await openai.chat.completions.create(body);
    expect(cacheMeta(second).cache_hit).toBe(true);
    const hit = (await ledgerEntries(gw)).at(-1);
    expect(hit).toMatchObject({
      status: "ok",
      promptTokens: first.usage?.prompt_tokens,
      completionTokens: first.usage?.completion_tokens,
      costUsd: 0,
      attempts: 0,
    });
    const db = new DatabaseSync(gw.ledgerPath, { readOnly: true });
    const rows = db
      .prepare("SELECT cache, cost_saved_usd AS saved FROM usage ORDER BY rowid DESC LIMIT 2")
      .all();
    db.close();
    expect(rows[1]).toEqual({ cache: "", saved: null });
    expect(rows[0]?.cache).toBe("exact");
    expect(rows[0]?.saved).toBeCloseTo(cacheMeta(first).cost_usd as number, 12);
  });

  it("counts hits, misses and bypasses by kind and model in /metrics, which promtool accepts", async () => {
    const body = chat({ messages: fresh() });
    await openai.chat.completions.create(body);
    await openai.chat.completions.create(body);
    await openai.chat.completions.create(
      { ...body, model: "mock:not-configured" },
      { headers: { "x-llmgw-cache": "off" } },
    );
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const value = (series: string) => Number(new RegExp(`^${series} (\\S+)$`, "m").exec(text)?.[1]);
    expect(value('llmgw_cache_hits_total\\{kind="exact",model="mock-small"\\}')).toBeGreaterThan(0);
    expect(value('llmgw_cache_misses_total\\{kind="exact",model="mock-small"\\}')).toBeGreaterThan(0);
    // A model nobody configured is never a label of its own.
    expect(value('llmgw_cache_bypasses_total\\{model="other"\\}')).toBeGreaterThan(0);
    expect(text).not.toContain("not-configured");
    expect(value('llmgw_cache_entries\\{kind="exact"\\}')).toBeGreaterThan(0);
    expect(value('llmgw_cache_bytes\\{kind="exact"\\}')).toBeGreaterThan(0);
    expect(value('llmgw_cache_lookup_seconds_count\\{kind="exact"\\}')).toBeGreaterThan(0);
    const lint = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(lint.stderr + lint.stdout).not.toMatch(/error/i);
  });

  it("serves the Anthropic surface from the cache too, and honours x-llmgw-cache: off there", async () => {
    const question = `Anthropic ${fresh()[0]?.content as string}`;
    const messages = async (headers: Record<string, string> = {}) => {
      const res = await fetch(`${gw.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
        body: JSON.stringify({
          model: "mock-small",
          max_tokens: 64,
          messages: [{ role: "user", content: question }],
        }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { content: { text: string }[] };
    };
    const first = await messages();
    const second = await messages();
    expect(gw.mock.requests).toHaveLength(1);
    expect(second.content[0]?.text).toBe(first.content[0]?.text);
    await messages({ "x-llmgw-cache": "off" });
    expect(gw.mock.requests).toHaveLength(2);
  });
});
