import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ChatRequestSchema, StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import { FinishReason } from "../../../gen/llmgw/v1/chat_pb.js";
import type { GatewayMetadata, TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import type { LlmgwClient } from "../../../sdk/client.ts";
import { systemMessage, userMessage } from "../../../sdk/messages.ts";

/**
 * The Playground's runs: the chat request its form asks for, and one
 * ChatService.Stream call folded, event by event, into what the page shows.
 * Stopping aborts the RPC, which the gateway passes on to the upstream.
 */

/** The virtual models, which pick a deployment per prompt. */
export const VIRTUAL_MODELS = ["auto", "fast", "cheap", "quality"] as const;

export interface PlaygroundParams {
  readonly model: string;
  /** A routing strategy by name; empty keeps the model's own. */
  readonly strategy: string;
  readonly system: string;
  readonly prompt: string;
  /** Blank keeps the upstream's default. */
  readonly temperature: string;
  /** Blank keeps the upstream's default. */
  readonly maxTokens: string;
}

/** One run as the page shows it. */
export interface RunState {
  readonly status: "streaming" | "done" | "stopped" | "failed";
  readonly text: string;
  /** Stream events with text received so far. */
  readonly chunks: number;
  /** From the run's start to its first text, as this browser saw it, ms. */
  readonly firstTokenMs: number | undefined;
  readonly finish: FinishReason | undefined;
  readonly usage: TokenUsage | undefined;
  /** The deployment, TTFT, cost and routing decision, from the stream's last event. */
  readonly gateway: GatewayMetadata | undefined;
  readonly error: unknown;
}

export const STARTED: RunState = {
  status: "streaming",
  text: "",
  chunks: 0,
  firstTokenMs: undefined,
  finish: undefined,
  usage: undefined,
  gateway: undefined,
  error: undefined,
};

/** The chat request for the form, or what is wrong with it. */
export function chatRequestOf(
  params: PlaygroundParams,
): { ok: true; chat: MessageInitShape<typeof ChatRequestSchema> } | { ok: false; error: string } {
  if (params.model.trim() === "") return { ok: false, error: "Pick a model." };
  if (params.prompt.trim() === "") return { ok: false, error: "Type a prompt." };
  const chat: MessageInitShape<typeof ChatRequestSchema> = {
    model: params.model.trim(),
    messages: [
      ...(params.system.trim() === "" ? [] : [systemMessage(params.system)]),
      userMessage(params.prompt),
    ],
  };
  if (params.temperature.trim() !== "") {
    const t = Number(params.temperature);
    if (!Number.isFinite(t) || t < 0 || t > 2)
      return { ok: false, error: "Temperature is a number from 0 to 2." };
    chat.temperature = t;
  }
  if (params.maxTokens.trim() !== "") {
    const n = Number(params.maxTokens);
    if (!Number.isSafeInteger(n) || n < 1 || n > 1_000_000)
      return { ok: false, error: "Max tokens is a whole number from 1 to 1,000,000." };
    chat.maxTokens = n;
  }
  if (params.strategy !== "") chat.routing = { strategy: params.strategy };
  return { ok: true, chat };
}

/** The run after one more stream event (`elapsedMs` since the run started). */
export function withEvent(run: RunState, event: StreamResponse, elapsedMs: number): RunState {
  // One choice: the Playground asks for no more.
  switch (event.event.case) {
    case "delta": {
      const text = event.event.value.text;
      if (text === "") return run;
      return {
        ...run,
        text: run.text + text,
        chunks: run.chunks + 1,
        firstTokenMs: run.firstTokenMs ?? elapsedMs,
      };
    }
    case "finish":
      return { ...run, finish: event.event.value.reason };
    case "usage":
      return { ...run, status: "done", usage: event.event.value.usage, gateway: event.event.value.gateway };
    default:
      return run;
  }
}

/** Why generation stopped, in words. */
export function finishText(reason: FinishReason | undefined): string {
  switch (reason) {
    case FinishReason.STOP:
      return "finished";
    case FinishReason.LENGTH:
      return "hit the token limit";
    case FinishReason.TOOL_CALLS:
      return "called a tool";
    case FinishReason.CONTENT_FILTER:
      return "withheld by a filter";
    default:
      return "ended";
  }
}

/**
 * Streams one answer, calling `update` with the run after each event, and
 * resolves with the last state. Aborting `signal` cancels the RPC; the run
 * then ends as `stopped` with what had arrived.
 */
export async function streamRun(
  client: Pick<LlmgwClient, "chat">,
  chat: MessageInitShape<typeof ChatRequestSchema>,
  signal: AbortSignal,
  update: (run: RunState) => void,
  now: () => number = () => performance.now(),
): Promise<RunState> {
  const started = now();
  let run = STARTED;
  try {
    for await (const event of client.chat.stream({ chat }, { signal })) {
      run = withEvent(run, event, now() - started);
      update(run);
    }
    if (run.status === "streaming") run = { ...run, status: "done" };
  } catch (error) {
    run = signal.aborted ? { ...run, status: "stopped" } : { ...run, status: "failed", error };
  }
  update(run);
  return run;
}
