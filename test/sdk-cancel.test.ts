import { Code, ConnectError } from "@connectrpc/connect";
import { beforeEach, describe, expect, it } from "vitest";
import {
  createLlmgwClient,
  createNodeTransport,
  exportAudit,
  type LlmgwClient,
  streamChat,
  streamChatText,
  userMessage,
  watchUsage,
} from "../sdk/index.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import { ledgerEntries } from "./harness/observe.ts";
import { openaiClient } from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The SDK's stream helpers cancel the RPC when the reader stops, by `break`
 * or through an AbortSignal: the mock upstream sees its request aborted, and
 * the ledger records the call as cancelled. A bare connect-es stream left by
 * `break` would keep running; these helpers own the call's signal.
 */

const KEY = "sk-sdk-cancel-0001";

/** 200 tokens 50 ms apart: ten seconds, far longer than any test here waits. */
const slow = {
  model: "mock-small",
  messages: [userMessage("Tell me a long story")],
  extra: { mock: { itl_ms: 50, tokens: 200 } },
};

/** Polls until `check` holds (the ledger is written as the gateway unwinds the call). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(["grpc", "connect"] as const)("the SDK's stream helpers over %s", (protocol) => {
  let gw: TestGateway;
  let llmgw: LlmgwClient;
  useTestGateway(
    { config: { keys: [{ name: "app", key: KEY, admin: true }], audit: { enabled: true } } },
    (started) => {
      gw = started;
      llmgw = createLlmgwClient(createNodeTransport({ baseUrl: gw.url, apiKey: KEY, protocol }));
    },
  );
  beforeEach(() => gw.mock.reset());

  const cancelledRows = () =>
    eventually(
      async () => (await ledgerEntries(gw)).filter((r) => r.status === "cancelled"),
      (rows) => rows.length > 0,
    );

  it("cancels the call when the reader breaks out of streamChatText", async () => {
    const pieces: string[] = [];
    for await (const text of streamChatText(llmgw, slow)) {
      pieces.push(text);
      if (pieces.length === 3) break;
    }
    expect(pieces.join("")).toBe("lorem ipsum dolor");
    const aborted = await gw.mock.waitForAbort(3000);
    expect(aborted).toMatchObject({ aborted: true, completed: false });
    const [row] = await cancelledRows();
    expect(row).toMatchObject({ status: "cancelled", surface: "rpc", provider: "mock" });
  });

  it("cancels the call when the caller's AbortSignal fires, ending the loop with Canceled", async () => {
    const controller = new AbortController();
    let events = 0;
    const reading = (async () => {
      for await (const _ of streamChat(llmgw, slow, { signal: controller.signal })) {
        if (++events === 2) controller.abort();
      }
    })();
    const error = await reading.then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(error?.code).toBe(Code.Canceled);
    expect(events).toBeLessThan(5);
    expect((await gw.mock.waitForAbort(3000)).aborted).toBe(true);
    expect((await cancelledRows()).length).toBeGreaterThan(0);
  });

  it("reads a whole stream to its end without cancelling anything", async () => {
    let text = "";
    for await (const piece of streamChatText(llmgw, { model: "mock-small", messages: [userMessage("hi")] }))
      text += piece;
    expect(text).toMatch(/^lorem ipsum/);
    await expect(gw.mock.waitForAbort(300)).rejects.toThrow(/no aborted request/);
    const rows = await ledgerEntries(gw);
    expect(rows.at(-1)).toMatchObject({ status: "ok", completionTokens: 16 });
  });

  it("stops watching usage when the reader breaks out of watchUsage", async () => {
    const feed = gw.running.services.usageFeed;
    const ticks = watchUsage(llmgw)[Symbol.asyncIterator]();
    const first = ticks.next();
    // The watch is registered on the gateway once the call is up.
    await eventually(
      async () => feed.watching,
      (w) => w,
    );
    await openaiClient(gw, KEY).chat.completions.create({
      model: "mock-small",
      messages: [{ role: "user", content: "watched" }],
    });
    const tick = await first;
    expect(tick.value).toMatchObject({ key: "app", status: "ok", surface: "openai" });
    expect(tick.value?.time).toBeInstanceOf(Date);
    await ticks.return?.(undefined);
    expect(
      await eventually(
        async () => feed.watching,
        (w) => !w,
      ),
    ).toBe(false);
  });

  it("stops watching usage when the caller's AbortSignal fires", async () => {
    const feed = gw.running.services.usageFeed;
    const controller = new AbortController();
    const reading = (async () => {
      for await (const _ of watchUsage(llmgw, {}, { signal: controller.signal })) {
        /* nothing arrives: no request is made */
      }
    })();
    await eventually(
      async () => feed.watching,
      (w) => w,
    );
    controller.abort();
    await expect(reading).rejects.toMatchObject({ code: Code.Canceled });
    expect(
      await eventually(
        async () => feed.watching,
        (w) => !w,
      ),
    ).toBe(false);
  });

  it("exports the audit log, stopping cleanly when the reader breaks", async () => {
    await llmgw.chat.complete({ chat: { model: "mock-small", messages: [userMessage("audited")] } });
    await llmgw.chat.complete({ chat: { model: "mock-small", messages: [userMessage("audited")] } });
    const lines: Record<string, unknown>[] = [];
    for await (const line of exportAudit(llmgw, { text: "audited" })) {
      lines.push(line);
      break;
    }
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0])).toContain("audited");
  });
});
