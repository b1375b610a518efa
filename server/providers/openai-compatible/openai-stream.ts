import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type StreamResponse,
  StreamResponseSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { finishReasonFromOpenAI } from "../../wire/openai/finish-reason.ts";
import type { OpenAICompletion } from "../../wire/openai/wire-types.ts";
import { deltaEvent, finishEvent } from "../delta-event.ts";
import type { EventSink, StreamMapper } from "../event-stream.ts";
import { closeWithUsage, endedEarly } from "../stream-end.ts";
import { usageFromOpenAI } from "./openai-usage.ts";
import { TextDeltaTemplate } from "./text-delta-template.ts";

/**
 * Turns an upstream's SSE chat completion stream into canonical events, one
 * `data` payload at a time.
 *
 * Upstreams differ at the end of a stream, and all of these are handled:
 * usage in a separate chunk, usage on the finish chunk, no usage at all (then
 * it is estimated), and no `data: [DONE]`. What is not tolerated is a stream
 * that ends before every choice finished: that is an error, never a silent cut.
 */
export class OpenAIStreamMapper implements StreamMapper {
  readonly #provider: string;
  readonly #request: ChatRequest;
  readonly #open = new Set<number>();
  #finished = 0;
  #id = "";
  #usage: TokenUsage | undefined;
  #output = "";
  /** The last plain text chunk, against which the next is read without parsing it whole. */
  readonly #template = new TextDeltaTemplate();

  constructor(provider: string, request: ChatRequest) {
    this.#provider = provider;
    this.#request = request;
  }

  data(payload: string, sink: EventSink): boolean {
    // Whatever follows [DONE] is read to the end of the body (so the connection returns to the pool) and dropped.
    if (payload === "[DONE]") return true;
    const text = this.#template.match(payload);
    if (text !== undefined) {
      // What the code below makes of the template's chunk with this text, without parsing it whole. The
      // template is the last chunk parsed, so its id is already this.#id.
      if (text) {
        const index = this.#template.index;
        this.#open.add(index);
        this.#output += text;
        sink.event(deltaEvent(this.#id, index, text, "", ""));
      }
      return false;
    }
    const chunk = parseChunk(this.#provider, payload);
    if (chunk.id) this.#id = chunk.id;
    if (chunk.usage && typeof chunk.usage === "object") this.#usage = usageFromOpenAI(chunk.usage);
    const id = this.#id;
    for (const choice of chunk.choices ?? []) {
      const index = choice.index ?? 0;
      const delta = choice.delta;
      if (delta) {
        const text = typeof delta.content === "string" ? delta.content : "";
        const reasoning = delta.reasoning_content ?? delta.reasoning ?? "";
        const refusal = delta.refusal ?? "";
        if (text || reasoning || refusal) {
          this.#open.add(index);
          this.#output += text + reasoning;
          sink.event(deltaEvent(id, index, text, reasoning, refusal));
        }
        for (const call of delta.tool_calls ?? []) {
          this.#open.add(index);
          const name = call.function?.name ?? "";
          const args = call.function?.arguments ?? "";
          this.#output += name + args;
          sink.event(
            event(id, index, {
              case: "toolCall",
              value: { index: call.index ?? 0, id: call.id ?? "", name, arguments: args },
            }),
          );
        }
      }
      if (choice.finish_reason) {
        this.#open.delete(index);
        this.#finished++;
        sink.event(finishEvent(id, index, finishReasonFromOpenAI(choice.finish_reason)));
      }
    }
    this.#template.learn(payload, chunk);
    return false;
  }

  end(sink: EventSink): Promise<void> | undefined {
    if (this.#finished === 0 || this.#open.size > 0) {
      throw endedEarly(this.#provider);
    }
    return closeWithUsage(sink, this.#id, this.#usage, this.#request, this.#output);
  }
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
