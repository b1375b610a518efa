import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorDetailSchema } from "../gen/llmgw/v1/error_pb.js";
import { type UsageEvent, UsageService } from "../gen/llmgw/v1/usage_pb.js";
import { collect, HELLO, openaiClient, requestBuilders } from "./harness/openai-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

const { chat, streamed } = requestBuilders("mock-small");
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    config: {
      keys: [
        { key: "sk-watch-admin", name: "ops", admin: true },
        { key: "sk-watch-bob", name: "bob", team: "red" },
        { key: "sk-watch-eve", name: "eve", team: "blue" },
      ],
    },
  });
});

afterAll(async () => {
  await gw?.close();
});

function usage() {
  return createClient(UsageService, createGrpcTransport({ baseUrl: gw.url }));
}

/** Starts a watch and resolves once the gateway has it registered, so no request is missed. */
async function watch(key: string, filter: { key?: string; model?: string; team?: string } = {}) {
  const abort = new AbortController();
  const before = gw.running.services.usageFeed.watching;
  const stream = usage().watchUsage(filter, {
    signal: abort.signal,
    headers: { authorization: `Bearer ${key}` },
  });
  const iterator = stream[Symbol.asyncIterator]();
  // The first pull sends the request; the handler registers before its first event.
  const next = () => iterator.next() as Promise<IteratorResult<{ event?: UsageEvent }>>;
  const first = next();
  let settled = false;
  first.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!before && !settled && !gw.running.services.usageFeed.watching)
    await new Promise((r) => setTimeout(r, 5));
  let pending: Promise<IteratorResult<{ event?: UsageEvent }>> | undefined = first;
  return {
    async event(): Promise<{ event: UsageEvent; at: number }> {
      const result = await (pending ?? next());
      pending = undefined;
      if (result.done || result.value.event === undefined) throw new Error("the watch ended");
      return { event: result.value.event, at: performance.now() };
    },
    /** The next event, or the error that ended the watch. */
    outcome: () =>
      (pending ?? next()).then(
        () => undefined,
        (error: unknown) => error,
      ),
    stop: () => abort.abort(),
  };
}

describe("UsageService.WatchUsage", () => {
  it("delivers a request's event within 100 ms of its end, through connect-node over gRPC", async () => {
    const watcher = await watch("sk-watch-admin", { model: "mock-small" });
    try {
      const answer = await openaiClient(gw, "sk-watch-bob").chat.completions.create(
        chat({ messages: HELLO }),
        {
          headers: { "x-request-id": "watched-1" },
        },
      );
      const answeredAt = performance.now();
      const { event, at } = await watcher.event();
      expect(at - answeredAt).toBeLessThan(100);
      expect(event).toMatchObject({
        requestId: "watched-1",
        key: "bob",
        team: "red",
        surface: "openai",
        provider: "mock",
        model: "mock-small",
        deployment: "mock:mock-small",
        status: "ok",
        attempts: 1,
      });
      expect(event.usage?.completionTokens).toBe(answer.usage?.completion_tokens);
      expect(event.latencyMs).toBeGreaterThan(0);
    } finally {
      watcher.stop();
    }
  });

  it("shows a key only its own requests, and refuses a non-admin asking for another key", async () => {
    const bob = await watch("sk-watch-bob");
    try {
      await openaiClient(gw, "sk-watch-eve").chat.completions.create(chat({ messages: HELLO }), {
        headers: { "x-request-id": "eve-1" },
      });
      await collect(
        await openaiClient(gw, "sk-watch-bob").chat.completions.create(streamed({ messages: HELLO }), {
          headers: { "x-request-id": "bob-stream" },
        }),
      );
      const { event } = await bob.event();
      expect(event.requestId).toBe("bob-stream");
      expect(event.ttftMs).toBeGreaterThan(0);
    } finally {
      bob.stop();
    }
    const nosy = await watch("sk-watch-bob", { key: "eve" });
    expect(await nosy.outcome()).toMatchObject({ code: Code.PermissionDenied });
    const stranger = await watch("sk-nobody");
    expect(await stranger.outcome()).toMatchObject({ code: Code.Unauthenticated });
  });

  it("filters by team, and reports refusals too", async () => {
    const blue = await watch("sk-watch-admin", { team: "blue" });
    try {
      await openaiClient(gw, "sk-watch-bob").chat.completions.create(chat({ messages: HELLO }));
      await expect(
        openaiClient(gw, "sk-watch-eve").chat.completions.create(chat({ messages: [] })),
      ).rejects.toBeInstanceOf(Error);
      const { event } = await blue.event();
      expect(event).toMatchObject({
        key: "eve",
        team: "blue",
        model: "mock-small",
        status: "invalid_request",
      });
    } finally {
      blue.stop();
    }
  });
});

describe("UsageService.WatchUsage with batch_ms", () => {
  it("sends the requests that end within the window as one message, and refuses a window over a minute", async () => {
    const headers = { authorization: "Bearer sk-watch-admin" };
    // The earlier tests' watches end when their cancels reach the gateway: wait for that first.
    while (gw.running.services.usageFeed.watching) await new Promise((r) => setTimeout(r, 5));
    const abort = new AbortController();
    const stream = usage()
      .watchUsage({ model: "mock-small", batchMs: 400 }, { signal: abort.signal, headers })
      [Symbol.asyncIterator]();
    const first = stream.next();
    while (!gw.running.services.usageFeed.watching) await new Promise((r) => setTimeout(r, 5));
    try {
      const bob = openaiClient(gw, "sk-watch-bob");
      for (const id of ["batch-1", "batch-2", "batch-3"])
        await bob.chat.completions.create(chat({ messages: HELLO }), { headers: { "x-request-id": id } });
      const { value } = (await first) as IteratorResult<{ event?: UsageEvent; events: UsageEvent[] }>;
      expect(value?.event).toBeUndefined();
      expect(value?.events.map((e: UsageEvent) => e.requestId)).toEqual(["batch-1", "batch-2", "batch-3"]);
    } finally {
      abort.abort();
    }
    const tooLong = usage().watchUsage({ batchMs: 60_001 }, { headers })[Symbol.asyncIterator]();
    await expect(tooLong.next()).rejects.toMatchObject({ code: Code.InvalidArgument });
  });
});

describe("UsageService.WatchUsage at its deadline", () => {
  // The deadline goes in the protocol's own header, so the client's timer does not end the call first:
  // the status the client reads is the one the gateway sent (its ErrorDetail says so).
  const transports = {
    gRPC: { transport: () => createGrpcTransport({ baseUrl: gw.url }), deadline: { "grpc-timeout": "600m" } },
    Connect: {
      transport: () => createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1" }),
      deadline: { "connect-timeout-ms": "600" },
    },
  };
  for (const [name, { transport, deadline }] of Object.entries(transports)) {
    it(`ends with DEADLINE_EXCEEDED, not OK, after the events it delivered (connect-node, ${name})`, async () => {
      const client = createClient(UsageService, transport());
      // The earlier tests' watchers have gone, so the one below is seen registering.
      while (gw.running.services.usageFeed.watching) await new Promise((r) => setTimeout(r, 5));
      const events: string[] = [];
      const watching = (async () => {
        const headers = { authorization: "Bearer sk-watch-admin", ...deadline };
        for await (const response of client.watchUsage({ key: "bob" }, { headers }))
          events.push(response.event?.requestId ?? "");
      })().then(
        () => "ended OK",
        (error: unknown) => error,
      );
      while (!gw.running.services.usageFeed.watching) await new Promise((r) => setTimeout(r, 5));
      await openaiClient(gw, "sk-watch-bob").chat.completions.create(chat({ messages: HELLO }), {
        headers: { "x-request-id": `before-deadline-${name}` },
      });
      const outcome = await watching;
      expect(events).toEqual([`before-deadline-${name}`]);
      expect(outcome).toBeInstanceOf(ConnectError);
      const error = outcome as ConnectError;
      expect(error.code).toBe(Code.DeadlineExceeded);
      expect(error.findDetails(ErrorDetailSchema)[0]?.code).toBe("deadline_exceeded");
      // The watcher went with its call.
      expect(gw.running.services.usageFeed.watching).toBe(false);
    });
  }

  it("with connect-node's own timeoutMs, ends with DEADLINE_EXCEEDED and the watcher goes", async () => {
    const client = createClient(UsageService, createGrpcTransport({ baseUrl: gw.url }));
    const outcome = await (async () => {
      for await (const _ of client.watchUsage(
        {},
        { timeoutMs: 300, headers: { authorization: "Bearer sk-watch-admin" } },
      )) {
      }
    })().then(
      () => "ended OK",
      (error: unknown) => error,
    );
    expect((outcome as ConnectError).code).toBe(Code.DeadlineExceeded);
    const until = Date.now() + 2_000;
    while (gw.running.services.usageFeed.watching && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    expect(gw.running.services.usageFeed.watching).toBe(false);
  });
});

describe("UsageService.GetStats", () => {
  it("gives latency percentiles per provider and model of what this gateway served, to admin keys", async () => {
    for (let i = 0; i < 5; i++)
      await openaiClient(gw, "sk-watch-bob").chat.completions.create(
        chat({ messages: HELLO }, { ttft_ms: 20 }),
      );
    const headers = { authorization: "Bearer sk-watch-admin" };
    const { stats, windowSeconds } = await usage().getStats({ model: "mock-small" }, { headers });
    expect(windowSeconds).toBe(300);
    expect(stats).toHaveLength(1);
    const [mock] = stats;
    expect(mock).toMatchObject({ provider: "mock", model: "mock-small" });
    expect(Number(mock?.requests)).toBeGreaterThanOrEqual(5);
    // The mock waited 20 ms before answering each of the five.
    expect(mock?.p99Ms).toBeGreaterThanOrEqual(20);
    expect(mock?.p50Ms).toBeLessThanOrEqual(mock?.p90Ms ?? 0);
    expect(mock?.p90Ms).toBeLessThanOrEqual(mock?.p99Ms ?? 0);
    await expect(
      usage().getStats({}, { headers: { authorization: "Bearer sk-watch-bob" } }),
    ).rejects.toMatchObject({ code: Code.PermissionDenied });
  });
});
