import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type StreamResponse,
  StreamResponseSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { estimateUsage } from "../../usage/token-estimate.ts";
import { finishReasonFromOpenAI } from "../../wire/openai/finish-reason.ts";
import type { OpenAICompletion } from "../../wire/openai/wire-types.ts";
import type { FramedBody } from "../body-limits.ts";
import { sseData } from "../sse-data.ts";
import { usageFromOpenAI } from "./openai-usage.ts";

/**
 * Turns an upstream's SSE chat completion stream into canonical events.
 *
 * Upstreams differ at the end of a stream, and all of these are handled:
 * usage in a separate chunk, usage on the finish chunk, no usage at all (then
 * it is estimated), and no `data: [DONE]`. What is not tolerated is a stream
 * that ends before every choice finished: that is an error, never a silent cut.
 */
export async function* openAIStreamEvents(
  provider: string,
  body: FramedBody,
  request: ChatRequest,
): AsyncGenerator<StreamResponse> {
  const open = new Set<number>();
  let finished = 0;
  let id = "";
  let usage: TokenUsage | undefined;
  let output = "";
  let done = false;

  for await (const data of sseData(body)) {
    // After [DONE], read on to the end of the body so the connection returns to the pool.
    if (done) continue;
    if (data === "[DONE]") {
      done = true;
      continue;
    }
    const chunk = parseChunk(provider, data);
    if (chunk.id) id = chunk.id;
    if (chunk.usage && typeof chunk.usage === "object") usage = usageFromOpenAI(chunk.usage);
    for (const choice of chunk.choices ?? []) {
      const index = choice.index ?? 0;
      const delta = choice.delta;
      if (delta) {
        const text = typeof delta.content === "string" ? delta.content : "";
        const reasoning = delta.reasoning_content ?? delta.reasoning ?? "";
        const refusal = delta.refusal ?? "";
        if (text || reasoning || refusal) {
          open.add(index);
          output += text + reasoning;
          yield event(id, index, { case: "delta", value: { text, reasoning, refusal } });
        }
        for (const call of delta.tool_calls ?? []) {
          open.add(index);
          const name = call.function?.name ?? "";
          const args = call.function?.arguments ?? "";
          output += name + args;
          yield event(id, index, {
            case: "toolCall",
            value: { index: call.index ?? 0, id: call.id ?? "", name, arguments: args },
          });
        }
      }
      if (choice.finish_reason) {
        open.delete(index);
        finished++;
        yield event(id, index, {
          case: "finish",
          value: { reason: finishReasonFromOpenAI(choice.finish_reason) },
        });
      }
    }
  }

  if (finished === 0 || open.size > 0) {
    throw new GatewayError("upstream_error", `upstream ${provider} ended the stream before it finished`, {
      provider,
    });
  }
  yield event(id, 0, { case: "usage", value: { usage: usage ?? (await estimateUsage(request, output)) } });
}

function parseChunk(provider: string, data: string): OpenAICompletion {
  let chunk: OpenAICompletion;
  try {
    chunk = JSON.parse(data) as OpenAICompletion;
  } catch {
    throw new GatewayError("upstream_error", `upstream ${provider} sent a malformed stream chunk`, {
      provider,
    });
  }
  if (chunk === null || typeof chunk !== "object") {
    throw new GatewayError("upstream_error", `upstream ${provider} sent a malformed stream chunk`, {
      provider,
    });
  }
  if (chunk.error !== undefined) {
    const message = (chunk.error as { message?: unknown })?.message;
    throw new GatewayError(
      "upstream_error",
      `upstream ${provider} failed mid-stream${typeof message === "string" ? `: ${message}` : ""}`,
      { provider },
    );
  }
  return chunk;
}

type StreamEvent = MessageInitShape<typeof StreamResponseSchema>["event"];

function event(id: string, choiceIndex: number, value: StreamEvent): StreamResponse {
  return create(StreamResponseSchema, { id, choiceIndex, event: value });
}
