import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { StreamResponseSchema } from "../../gen/llmgw/v1/chat_pb.js";
import type { Call, KeyInfo } from "../core/call.ts";
import type { Answer } from "../core/chain.ts";
import { InFlight } from "../core/in-flight.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type { EventSink, EventStream } from "../providers/event-stream.ts";
import { SqliteBenchmarkStore } from "../state/sqlite/sqlite-benchmark-store.ts";
import { BenchmarkRunner, MAX_ACTIVE_RUNS } from "./benchmark-runner.ts";

const ADMIN: KeyInfo = { name: "ops", admin: true, priority: 0, team: "" };
const READER: KeyInfo = { name: "app", admin: false, priority: 0, team: "" };

/** A stream that answers `text` once `release` is called (or at once), with a usage report. */
function answer(text: string, gate: Promise<void>): EventStream {
  return {
    start(sink: EventSink) {
      void gate.then(() => {
        sink.event(create(StreamResponseSchema, { event: { case: "delta", value: { text } } }));
        sink.event(
          create(StreamResponseSchema, {
            event: {
              case: "usage",
              value: {
                usage: { promptTokens: 10, completionTokens: 1 },
                gateway: {
                  latencyMs: 12,
                  ttftMs: 4,
                  costUsd: 0.001,
                  deployment: "d",
                  provider: "p",
                  model: "m",
                },
              },
            },
          }),
        );
        sink.end();
      });
    },
    pause() {},
    resume() {},
    cancel() {},
  };
}

/** A fake pipeline: records the calls, holds every answer until `open` (or the call's abort), fails model "bad". */
function fakePipeline() {
  const calls: Call[] = [];
  let inFlight = 0;
  let most = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const pipeline = async (call: Call): Promise<Answer> => {
    calls.push(call);
    if (call.chat?.model === "bad") throw new GatewayError("upstream_unavailable", "down");
    inFlight++;
    most = Math.max(most, inFlight);
    // As the real pipeline does, a call whose signal fires stops at once.
    const aborted = new Promise<never>((_, reject) =>
      call.signal.addEventListener("abort", () => reject(call.signal.reason), { once: true }),
    );
    try {
      await Promise.race([gate, aborted]);
    } finally {
      inFlight--;
    }
    return { kind: "stream", events: answer("C", Promise.resolve()) };
  };
  return { pipeline, calls, open, most: () => most };
}

const stores: SqliteBenchmarkStore[] = [];
const flights: InFlight[] = [];
afterEach(async () => {
  for (const f of flights.splice(0)) f.close();
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function runner(pipeline: (call: Call) => Promise<Answer>) {
  const store = new SqliteBenchmarkStore(":memory:");
  const inFlight = new InFlight(60_000);
  stores.push(store);
  flights.push(inFlight);
  return {
    store,
    runner: await BenchmarkRunner.start({ pipeline, inFlight, store, log: pino({ level: "silent" }) }),
  };
}

describe("the benchmark runner", () => {
  it("refuses a key that is not an admin before it checks anything", async () => {
    const { runner: r } = await runner(fakePipeline().pipeline);
    await expect(r.start(READER, "sk", { models: [], taskIds: [], concurrency: 0 })).rejects.toMatchObject({
      code: "permission_denied",
    });
  });

  it("sends each task to each model as the starting key's streamed calls, never more at once than asked", async () => {
    const fake = fakePipeline();
    const { runner: r } = await runner(fake.pipeline);
    const run = await r.start(ADMIN, "sk-admin", { models: ["a", "b"], taskIds: [], concurrency: 3 });
    expect(run).toMatchObject({ state: "running", total: 28, completed: 0, keyName: "ops" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.calls).toHaveLength(3);
    fake.open();
    await r.idle();
    expect(fake.most()).toBe(3);
    expect(fake.calls).toHaveLength(28);
    expect(
      fake.calls.every((c) => c.credential === "sk-admin" && c.stream && c.surface === "benchmark"),
    ).toBe(true);
    const done = await r.get(run.id);
    expect(done).toMatchObject({ state: "succeeded", completed: 28, failed: 0 });
    const results = await r.results(run.id);
    expect(results.find((x) => x.taskId === "knowledge-biology" && x.model === "a")).toMatchObject({
      score: 1,
      passed: true,
      latencyMs: 12,
      ttftMs: 4,
      costUsd: 0.001,
    });
  });

  it("scores a failed request 0 and counts it", async () => {
    const fake = fakePipeline();
    fake.open();
    const { runner: r } = await runner(fake.pipeline);
    const run = await r.start(ADMIN, undefined, {
      models: ["bad"],
      taskIds: ["reasoning-logic"],
      concurrency: 0,
    });
    await r.idle();
    expect(await r.get(run.id)).toMatchObject({ state: "succeeded", completed: 1, failed: 1 });
    expect((await r.results(run.id))[0]).toMatchObject({ score: 0, error: "upstream_unavailable: down" });
  });

  it("stores a run stopped by close as interrupted, and refuses new runs", async () => {
    const fake = fakePipeline();
    const { runner: r, store } = await runner(fake.pipeline);
    const run = await r.start(ADMIN, undefined, { models: ["a"], taskIds: [], concurrency: 1 });
    await r.close();
    expect(await store.getRun(run.id)).toMatchObject({ state: "interrupted", completed: 0 });
    await expect(
      r.start(ADMIN, undefined, { models: ["a"], taskIds: [], concurrency: 1 }),
    ).rejects.toMatchObject({
      code: "unavailable",
    });
    fake.open();
  });

  it("marks runs a stopped process left running as interrupted at start-up", async () => {
    const store = new SqliteBenchmarkStore(":memory:");
    stores.push(store);
    const inFlight = new InFlight(60_000);
    flights.push(inFlight);
    const fake = fakePipeline();
    const first = await BenchmarkRunner.start({
      pipeline: fake.pipeline,
      inFlight,
      store,
      log: pino({ level: "silent" }),
    });
    const run = await first.start(ADMIN, undefined, { models: ["a"], taskIds: [], concurrency: 1 });
    // A crash: the process never closes the runner; the next one finds the run still `running`.
    await BenchmarkRunner.start({ pipeline: fake.pipeline, inFlight, store, log: pino({ level: "silent" }) });
    expect((await store.getRun(run.id))?.state).toBe("interrupted");
    fake.open();
    await first.close();
  });

  it(`keeps at most ${MAX_ACTIVE_RUNS} runs in progress`, async () => {
    const fake = fakePipeline();
    const { runner: r } = await runner(fake.pipeline);
    for (let i = 0; i < MAX_ACTIVE_RUNS; i++)
      await r.start(ADMIN, undefined, { models: ["a"], taskIds: ["reasoning-logic"], concurrency: 1 });
    await expect(
      r.start(ADMIN, undefined, { models: ["a"], taskIds: ["reasoning-logic"], concurrency: 1 }),
    ).rejects.toMatchObject({ code: "rate_limited" });
    fake.open();
    await r.idle();
  });
});
