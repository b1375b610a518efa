import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { ChatRequestSchema, CompleteResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { EmbedRequestSchema, EmbedResponseSchema } from "../../../gen/llmgw/v1/embeddings_pb.js";
import { TokenUsageSchema } from "../../../gen/llmgw/v1/usage_pb.js";
import { limitsSchema } from "../../config/limits-schema.ts";
import { type Call, createCall, type KeyInfo } from "../../core/call.ts";
import { type Answer, compose, type Next } from "../../core/chain.ts";
import { withEndHooks } from "../../core/end-runner.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { LimitStore, LimitTake, TakeOutcome } from "../../state/limit-store.ts";
import { MemoryLimitStore } from "../../state/memory/memory-limit-store.ts";
import { rateLimitPolicy } from "./rate-limit-policy.ts";

const alice: KeyInfo = { name: "alice", admin: false, priority: 0, team: "red" };
const bob: KeyInfo = { name: "bob", admin: false, priority: 0, team: "red" };

/** A chat of no messages: its prompt estimate is the 3 reply-priming tokens, so it reserves 3 + max_tokens. */
function chatCall(key: KeyInfo, maxTokens?: number, model = "m"): Call {
  const call = createCall({
    requestId: "r",
    surface: "test",
    signal: new AbortController().signal,
    startedAt: performance.now(),
    deadline: Number.POSITIVE_INFINITY,
    credential: undefined,
    op: "chat",
    stream: false,
  });
  call.key = key;
  call.chat = create(ChatRequestSchema, { model, ...(maxTokens === undefined ? {} : { maxTokens }) });
  return call;
}

/** A next that answers with `total` tokens of usage. */
function answering(total: number): Next {
  return async () => ({
    kind: "complete",
    response: create(CompleteResponseSchema, {
      usage: create(TokenUsageSchema, { promptTokens: 3, completionTokens: total - 3, totalTokens: total }),
    }),
  });
}

const failing: Next = async () => {
  throw new GatewayError("upstream_error", "the upstream failed");
};

interface Clock {
  now: number;
}

function pipeline(
  limits: Record<string, unknown>,
  next: Next,
  options: { store?: LimitStore; clock?: Clock; log?: pino.Logger } = {},
) {
  const clock = options.clock ?? { now: 1_000_000_000 };
  const store = options.store ?? new MemoryLimitStore();
  const policy = rateLimitPolicy(limitsSchema.parse(limits), store, {
    log: options.log ?? pino({ level: "silent" }),
    now: () => clock.now,
  });
  if (policy === undefined) throw new Error("expected a policy");
  const run = withEndHooks(compose([policy], next), (error) => {
    throw error;
  });
  return { run, store, clock };
}

/** What a call that must be refused threw. */
async function refused(promise: Promise<Answer>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GatewayError)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

describe("the rate-limit policy", () => {
  it("is left out of the chain when no limit is configured", () => {
    expect(rateLimitPolicy(limitsSchema.parse({}), new MemoryLimitStore(), { log: pino() })).toBeUndefined();
    expect(
      rateLimitPolicy(limitsSchema.parse({ keys: { alice: [] } }), new MemoryLimitStore(), { log: pino() }),
    ).toBeUndefined();
  });

  it("admits a key's N requests in a window and refuses the next with rate_limited, its limit and when it resets", async () => {
    const clock = { now: 60_000 * 1000 + 15_000 }; // 15 s into a minute
    const { run } = pipeline({ per_key: [{ requests: 3, window: "1m" }] }, answering(10), { clock });
    for (let i = 0; i < 3; i++) {
      const call = chatCall(alice);
      await run(call);
      expect(call.limits?.requests).toMatchObject({ limit: 3, remaining: 2 - i, resetMs: 45_000 });
      expect(call.limits?.tokens).toBeUndefined();
    }
    const call = chatCall(alice);
    const error = await refused(run(call));
    expect(error.code).toBe("rate_limited");
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(45_000);
    expect(error.message).toBe(
      'rate limit reached: key "alice" allows 3 requests per 1m; the window resets in 45s',
    );
    // A refusal still reports the counter, for the 429's headers.
    expect(call.limits?.requests).toMatchObject({ limit: 3, remaining: 0 });
    // Each key is counted separately.
    await run(chatCall(bob));
  });

  it("lets limits.keys replace per_key for that key only", async () => {
    const { run } = pipeline(
      { per_key: [{ requests: 1, window: "1h" }], keys: { alice: [{ requests: 3, window: "1h" }] } },
      answering(10),
    );
    for (let i = 0; i < 3; i++) await run(chatCall(alice));
    expect((await refused(run(chatCall(alice)))).code).toBe("rate_limited");
    await run(chatCall(bob));
    expect((await refused(run(chatCall(bob)))).message).toContain('key "bob" allows 1 requests per 1h');
  });

  it("takes all or nothing: a call refused by one counter takes nothing from the others", async () => {
    const { run } = pipeline(
      { per_key: [{ requests: 2, window: "1h" }], models: { m: [{ requests: 5, window: "1h" }] } },
      answering(10),
    );
    await run(chatCall(alice));
    await run(chatCall(alice));
    // alice's own limit refuses her next ten calls; had they taken from the model's counter, it would be spent.
    for (let i = 0; i < 10; i++)
      expect((await refused(run(chatCall(alice)))).message).toContain('key "alice"');
    for (let i = 0; i < 2; i++) await run(chatCall(bob));
    const third = chatCall({ ...bob, name: "carol" });
    await run(third);
    expect(third.limits?.requests).toMatchObject({ limit: 5, remaining: 0 });
    expect((await refused(run(chatCall({ ...bob, name: "dave" })))).message).toContain('model "m" allows 5');
    // A model without limits is not counted against m's.
    await run(chatCall({ ...bob, name: "erin" }, undefined, "other-model"));
  });

  it("counts a team's keys together, and the global limit over everyone", async () => {
    const { run } = pipeline(
      { teams: { red: [{ requests: 3, window: "1h" }] }, global: [{ requests: 4, window: "15m" }] },
      answering(10),
    );
    await run(chatCall(alice));
    await run(chatCall(bob));
    await run(chatCall(alice));
    expect((await refused(run(chatCall(bob)))).message).toContain('team "red" allows 3 requests per 1h');
    const loner: KeyInfo = { name: "loner", admin: false, priority: 0, team: "" };
    await run(chatCall(loner));
    expect((await refused(run(chatCall(loner)))).message).toContain("the gateway allows 4 requests per 15m");
  });

  it("reserves the prompt estimate plus max_tokens, and corrects the counter by the real usage at the end", async () => {
    // Each call reserves 3 + 27 = 30 and really spends 20.
    const { run } = pipeline({ per_key: [{ tokens: 100, window: "1m" }] }, answering(20));
    for (let i = 1; i <= 4; i++) {
      const call = chatCall(alice, 27);
      await run(call);
      // Unary headers are written after the end hooks: they show the corrected counter.
      expect(call.limits?.tokens).toMatchObject({ limit: 100, remaining: 100 - 20 * i });
    }
    // 80 spent: the next reservation of 30 does not fit. Without the correction, the 4th would have failed.
    const error = await refused(run(chatCall(alice, 27)));
    expect(error.message).toContain('key "alice" allows 100 tokens per 1m');
    // A smaller reservation still fits: 80 + 3 + 17 = 100.
    await run(chatCall(alice, 17));
  });

  it("reserves default_max_tokens when a request sets no max_tokens", async () => {
    const { run } = pipeline(
      { per_key: [{ tokens: 100, window: "1m" }], default_max_tokens: 47 },
      answering(50),
    );
    const call = chatCall(alice);
    const pending = run(call);
    // The take happened synchronously, before next ran: 3 + 47 reserved.
    expect(call.limits?.tokens).toMatchObject({ remaining: 50 });
    await pending;
  });

  it("reserves an embedding's input size only, and corrects it by the input tokens really counted", async () => {
    const embedded: Next = async () => ({
      kind: "embed",
      response: create(EmbedResponseSchema, {
        usage: create(TokenUsageSchema, { promptTokens: 7, totalTokens: 7 }),
      }),
    });
    const { run } = pipeline({ per_key: [{ tokens: 100, window: "1m" }] }, embedded);
    const call = createCall({
      requestId: "r",
      surface: "test",
      signal: new AbortController().signal,
      startedAt: performance.now(),
      deadline: Number.POSITIVE_INFINITY,
      credential: undefined,
      op: "embed",
      stream: false,
    });
    call.key = alice;
    // 40 characters: about 10 tokens, and no completion.
    call.embed = create(EmbedRequestSchema, { model: "e", inputs: ["a".repeat(24), "b".repeat(16)] });
    const pending = run(call);
    expect(call.limits?.tokens).toMatchObject({ remaining: 90 });
    await pending;
    expect(call.limits?.tokens).toMatchObject({ remaining: 93 });
  });

  it("gives a failed call's token reservation back", async () => {
    const { run } = pipeline({ per_key: [{ tokens: 100, window: "1m" }] }, failing);
    for (let i = 0; i < 20; i++) {
      const call = chatCall(alice, 47);
      expect((await refused(run(call))).code).toBe("upstream_error");
      expect(call.limits?.tokens).toMatchObject({ remaining: 100 });
    }
  });

  it("refuses, as not retryable and with no Retry-After, a call whose reservation alone is over a limit", async () => {
    const { run } = pipeline({ per_key: [{ tokens: 100, window: "1m" }] }, answering(10));
    const error = await refused(run(chatCall(alice, 500)));
    expect(error.code).toBe("rate_limited");
    expect(error.retryable).toBe(false);
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.message).toContain("reserves about 503 tokens");
  });

  it("limits calls in flight, and gives each slot back when its call ends, however it ends", async () => {
    const releases: Array<(answer: Answer | Error) => void> = [];
    const held: Next = () =>
      new Promise<Answer>((resolve, reject) => {
        releases.push((a) => (a instanceof Error ? reject(a) : resolve(a)));
      });
    const { run } = pipeline({ per_key: [{ concurrent: 2 }] }, held);
    const first = run(chatCall(alice));
    const second = run(chatCall(alice));
    const error = await refused(run(chatCall(alice)));
    expect(error.message).toBe(
      'rate limit reached: key "alice" allows 2 requests in flight at once; retry when one of them ends',
    );
    expect(error.retryAfterMs).toBe(1000);
    releases[0]?.({ kind: "complete", response: create(CompleteResponseSchema) });
    await first;
    const third = run(chatCall(alice));
    releases[1]?.(new GatewayError("upstream_error", "failed"));
    await refused(second);
    const fourth = run(chatCall(alice));
    expect((await refused(run(chatCall(alice)))).code).toBe("rate_limited");
    releases[2]?.({ kind: "complete", response: create(CompleteResponseSchema) });
    releases[3]?.({ kind: "complete", response: create(CompleteResponseSchema) });
    await Promise.all([third, fourth]);
    // Concurrency counters send no headers: they have no window to reset.
    const last = chatCall(alice);
    const pending = run(last);
    expect(last.limits).toMatchObject({ requests: undefined, tokens: undefined });
    releases[4]?.({ kind: "complete", response: create(CompleteResponseSchema) });
    await pending;
  });

  it("starts each window afresh, and leaves a new window alone when a call from the old one settles", async () => {
    const clock = { now: 3_600_000 * 100 };
    let finish!: (answer: Answer) => void;
    let hold = false;
    const next: Next = (call) =>
      hold
        ? new Promise<Answer>((resolve) => {
            finish = resolve;
          })
        : answering(20)(call);
    const { run } = pipeline({ per_key: [{ requests: 2, tokens: 100, window: "1s" }] }, next, { clock });
    await run(chatCall(alice, 27));
    hold = true;
    const late = run(chatCall(alice, 27)); // reserves 30 in the first window, settles in the second
    expect((await refused(run(chatCall(alice, 27)))).code).toBe("rate_limited");
    clock.now += 999;
    expect((await refused(run(chatCall(alice, 27)))).retryAfterMs).toBe(1);
    clock.now += 1;
    hold = false;
    const fresh = chatCall(alice, 27);
    await run(fresh);
    expect(fresh.limits?.requests).toMatchObject({ remaining: 1, resetMs: 1000 });
    expect(fresh.limits?.tokens).toMatchObject({ remaining: 80 });
    // The old call gives back 10 tokens; they belong to the old window, not this one.
    finish({
      kind: "complete",
      response: create(CompleteResponseSchema, {
        usage: create(TokenUsageSchema, { promptTokens: 3, completionTokens: 17, totalTokens: 20 }),
      }),
    });
    await late;
    const after = chatCall(alice, 27);
    await run(after);
    expect(after.limits?.tokens).toMatchObject({ remaining: 60 });
  });

  it("takes through the port's promise when the store has no synchronous path", async () => {
    const memory = new MemoryLimitStore();
    const remote: LimitStore = {
      take: (takes, now) => memory.take(takes, now),
      adjust: (...args) => memory.adjust(...args),
      close: () => memory.close(),
    };
    const { run } = pipeline({ per_key: [{ requests: 1, tokens: 100, window: "1m" }] }, answering(20), {
      store: remote,
    });
    const call = chatCall(alice, 27);
    await run(call);
    expect(call.limits?.tokens).toMatchObject({ remaining: 80 });
    expect((await refused(run(chatCall(alice)))).code).toBe("rate_limited");
  });

  describe("when the store fails", () => {
    /** A store that throws on every take, as a Redis that is down does. */
    class BrokenStore implements LimitStore {
      broken = true;
      readonly #memory = new MemoryLimitStore();
      async take(takes: readonly LimitTake[], now: number): Promise<TakeOutcome> {
        if (this.broken) throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
        return this.#memory.take(takes, now);
      }
      adjust = async () => {};
      close = async () => {};
    }

    function logged() {
      const lines: Array<{ level: number; msg: string }> = [];
      const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
      return { lines, log };
    }

    it("fails closed by default: unavailable, retryable, one error line, and service resumes on its own", async () => {
      const store = new BrokenStore();
      const { lines, log } = logged();
      const { run } = pipeline({ per_key: [{ requests: 5, window: "1m" }] }, answering(10), { store, log });
      for (let i = 0; i < 3; i++) {
        const error = await refused(run(chatCall(alice)));
        expect(error.code).toBe("unavailable");
        expect(error.retryable).toBe(true);
      }
      expect(lines.map((l) => [l.level, l.msg])).toEqual([
        [50, "the rate-limit store failed: calls are refused with unavailable"],
      ]);
      store.broken = false;
      await run(chatCall(alice));
      expect(lines.at(-1)?.msg).toBe("the rate-limit store answers again");
    });

    it("passes calls with a warning when fail_open", async () => {
      const { lines, log } = logged();
      const { run } = pipeline({ per_key: [{ requests: 1, window: "1m" }], fail_open: true }, answering(10), {
        store: new BrokenStore(),
        log,
      });
      for (let i = 0; i < 3; i++) {
        const call = chatCall(alice);
        await run(call);
        expect(call.limits).toBeUndefined();
      }
      expect(lines.map((l) => [l.level, l.msg])).toEqual([
        [40, "the rate-limit store failed: calls pass unlimited (limits.fail_open)"],
      ]);
    });

    it("fails closed on the synchronous path too", async () => {
      const memory = new MemoryLimitStore();
      memory.takeNow = () => {
        throw new Error("out of memory");
      };
      const { run } = pipeline({ per_key: [{ requests: 5, window: "1m" }] }, answering(10), {
        store: memory,
      });
      expect((await refused(run(chatCall(alice)))).code).toBe("unavailable");
    });
  });
});
