import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  FinishReason,
  Role,
  type StreamResponse,
  StreamResponseSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import type { LlmgwClient } from "../../../sdk/client.ts";
import { chatRequestOf, finishText, type RunState, STARTED, streamRun, withEvent } from "./playground-run.ts";

const params = { model: "auto", strategy: "", system: "", prompt: "Hello", temperature: "", maxTokens: "" };

const delta = (text: string) => create(StreamResponseSchema, { event: { case: "delta", value: { text } } });
const finish = create(StreamResponseSchema, {
  event: { case: "finish", value: { reason: FinishReason.STOP } },
});
const usage = create(StreamResponseSchema, {
  event: {
    case: "usage",
    value: {
      usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
      gateway: { deployment: "mock:mock-small", ttftMs: 12, costUsd: 0.0001 },
    },
  },
});

/** A chat client whose stream yields `events`, then throws `failure` if given; it records the signal. */
function fakeChat(events: StreamResponse[], failure?: unknown) {
  const seen: { signal?: AbortSignal | undefined } = {};
  const client = {
    chat: {
      async *stream(_req: unknown, options: { signal?: AbortSignal }) {
        seen.signal = options.signal;
        for (const event of events) {
          if (options.signal?.aborted) throw new ConnectError("aborted", Code.Canceled);
          yield event;
        }
        if (failure !== undefined) throw failure;
      },
    },
  } as unknown as Pick<LlmgwClient, "chat">;
  return { client, seen };
}

describe("the playground's chat request", () => {
  it("is the prompt as a user message, with the model and no parameters when they are blank", () => {
    const parsed = chatRequestOf(params);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.chat.model).toBe("auto");
    expect(parsed.chat.messages?.map((m) => m.role)).toEqual([Role.USER]);
    expect(parsed.chat).not.toHaveProperty("temperature");
    expect(parsed.chat).not.toHaveProperty("maxTokens");
    expect(parsed.chat).not.toHaveProperty("routing");
  });

  it("carries the system prompt first, the parameters and the strategy as a routing hint", () => {
    const parsed = chatRequestOf({
      ...params,
      system: "Be brief.",
      temperature: "0.3",
      maxTokens: "64",
      strategy: "cost",
    });
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.chat.messages?.map((m) => m.role)).toEqual([Role.SYSTEM, Role.USER]);
    expect(parsed.chat.temperature).toBe(0.3);
    expect(parsed.chat.maxTokens).toBe(64);
    expect(parsed.chat.routing).toEqual({ strategy: "cost" });
  });

  it("refuses a missing model or prompt and out-of-range parameters with a sentence", () => {
    expect(chatRequestOf({ ...params, model: " " })).toEqual({ ok: false, error: "Pick a model." });
    expect(chatRequestOf({ ...params, prompt: "" })).toEqual({ ok: false, error: "Type a prompt." });
    expect(chatRequestOf({ ...params, temperature: "3" }).ok).toBe(false);
    expect(chatRequestOf({ ...params, temperature: "warm" }).ok).toBe(false);
    expect(chatRequestOf({ ...params, maxTokens: "0" }).ok).toBe(false);
    expect(chatRequestOf({ ...params, maxTokens: "2.5" }).ok).toBe(false);
  });
});

describe("a playground run", () => {
  it("appends text as it arrives, notes the first token's time, and ends with usage and metadata", () => {
    let run: RunState = STARTED;
    run = withEvent(run, delta("Hel"), 40);
    run = withEvent(run, delta(""), 45);
    run = withEvent(run, delta("lo"), 50);
    expect(run).toMatchObject({ status: "streaming", text: "Hello", chunks: 2, firstTokenMs: 40 });
    run = withEvent(run, finish, 60);
    run = withEvent(run, usage, 61);
    expect(run.status).toBe("done");
    expect(run.finish).toBe(FinishReason.STOP);
    expect(run.usage?.totalTokens).toBe(5);
    expect(run.gateway?.deployment).toBe("mock:mock-small");
    expect(finishText(run.finish)).toBe("finished");
  });

  it("streams through the client, reporting each state, and passes the abort signal to the RPC", async () => {
    const { client, seen } = fakeChat([delta("a"), delta("b"), finish, usage]);
    const states: string[] = [];
    const signal = new AbortController().signal;
    const last = await streamRun(
      client,
      { model: "m" },
      signal,
      (r) => states.push(r.text),
      () => 0,
    );
    expect(states).toEqual(["a", "ab", "ab", "ab", "ab"]);
    expect(last.status).toBe("done");
    expect(seen.signal).toBe(signal);
  });

  it("ends as stopped, keeping what arrived, when the caller aborts", async () => {
    const abort = new AbortController();
    const { client } = fakeChat([delta("a"), delta("b"), delta("c")]);
    const last = await streamRun(client, { model: "m" }, abort.signal, (r) => {
      if (r.text === "a") abort.abort();
    });
    expect(last).toMatchObject({ status: "stopped", text: "a" });
  });

  it("ends as failed with the error when the stream fails", async () => {
    const failure = new ConnectError("budget exhausted", Code.ResourceExhausted);
    const { client } = fakeChat([delta("a")], failure);
    const last = await streamRun(client, { model: "m" }, new AbortController().signal, () => {});
    expect(last.status).toBe("failed");
    expect(last.error).toBe(failure);
    expect(last.text).toBe("a");
  });
});
