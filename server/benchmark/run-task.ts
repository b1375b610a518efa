import { randomUUID } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  CacheMode,
  type ChatRequest,
  ChatRequestSchema,
  type MessageSchema,
  Role,
} from "../../gen/llmgw/v1/chat_pb.js";
import { createCall } from "../core/call.ts";
import type { Pipeline } from "../core/end-runner.ts";
import type { InFlight } from "../core/in-flight.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type { BenchmarkResultRecord } from "../state/benchmark-store.ts";
import { collectAnswer } from "./collected-answer.ts";
import { scoreAnswer } from "./score-answer.ts";
import type { BenchmarkTaskDef } from "./task.ts";

/** The most of an answer a result keeps; the scorer saw up to MAX_SCORED_CHARS of it. */
export const MAX_STORED_OUTPUT = 8 * 1024;

/** What one request of a run needs from the gateway. */
export interface TaskContext {
  readonly pipeline: Pipeline;
  readonly inFlight: InFlight;
  /** The starting key's secret, so the run's requests are that key's: its limits, budgets and ledger. */
  readonly credential: string | undefined;
  /** Aborts the request when the run is stopped (the gateway shutting down). */
  readonly signal: AbortSignal;
}

/** The canonical request for a task: deterministic (temperature 0), bounded, and never answered from the cache. */
export function taskRequest(task: BenchmarkTaskDef, model: string): ChatRequest {
  return create(ChatRequestSchema, {
    model,
    messages: [
      ...(task.system === "" ? [] : [message(Role.SYSTEM, task.system)]),
      message(Role.USER, task.prompt),
    ],
    temperature: 0,
    maxTokens: task.maxTokens,
    // A cached answer would measure the cache, not the model.
    cache: CacheMode.OFF,
  });
}

function message(role: Role, text: string): MessageInitShape<typeof MessageSchema> {
  return { role, content: [{ part: { case: "text", value: text } }] };
}

/**
 * Sends one task to one model through the gateway's own pipeline, streamed
 * as a caller's request would be, and scores the answer. A request that
 * fails scores 0 and says why; it never throws.
 */
export async function runTask(
  ctx: TaskContext,
  runId: string,
  task: BenchmarkTaskDef,
  model: string,
): Promise<BenchmarkResultRecord> {
  const controller = new AbortController();
  const tracked = ctx.inFlight.add(controller);
  const stop = () => controller.abort(new GatewayError("cancelled", "the benchmark run was stopped"));
  ctx.signal.addEventListener("abort", stop, { once: true });
  const startedAt = performance.now();
  const call = createCall({
    requestId: randomUUID(),
    surface: "benchmark",
    signal: controller.signal,
    startedAt,
    deadline: tracked.deadline,
    credential: ctx.credential,
    op: "chat",
    stream: true,
    chat: taskRequest(task, model),
  });
  const base = { runId, model, taskId: task.id, category: task.category };
  try {
    const answer = await ctx.pipeline(call);
    if (answer.kind !== "stream") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
    const { text, usage } = await collectAnswer(answer.events);
    const { score, passed } = scoreAnswer(task, text);
    const gateway = usage?.gateway;
    return {
      ...base,
      score,
      passed,
      output: text.slice(0, MAX_STORED_OUTPUT),
      error: "",
      latencyMs: gateway?.latencyMs ?? performance.now() - startedAt,
      ttftMs: gateway?.ttftMs ?? 0,
      inputTokens: usage?.usage?.promptTokens ?? 0,
      outputTokens: usage?.usage?.completionTokens ?? 0,
      costUsd: gateway?.costUsd ?? 0,
      deployment: gateway?.deployment ?? call.served?.id ?? "",
      provider: gateway?.provider ?? call.served?.provider ?? "",
      upstreamModel: gateway?.model ?? call.served?.model ?? "",
    };
  } catch (error) {
    const failure = GatewayError.from(error);
    return {
      ...base,
      score: 0,
      passed: false,
      output: "",
      error: `${failure.code}: ${failure.message}`,
      latencyMs: performance.now() - startedAt,
      ttftMs: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      deployment: call.served?.id ?? "",
      provider: call.served?.provider ?? "",
      upstreamModel: call.served?.model ?? "",
    };
  } finally {
    ctx.signal.removeEventListener("abort", stop);
    ctx.inFlight.release(tracked);
  }
}
