import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type StreamResponse,
  StreamResponseSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { deltaEvent } from "../delta-event.ts";
import type { EventSink, StreamMapper } from "../event-stream.ts";
import { endedEarly } from "../stream-end.ts";
import { toolCallFromOllama } from "./ollama-tool-calls.ts";
import { finishReasonFromOllama, usageFromOllama } from "./ollama-usage.ts";
import type { OllamaChatResponse } from "./ollama-wire-types.ts";

/*
 * Follows Ollama's API reference for streamed `POST /api/chat`: NDJSON (not
 * SSE), one `{model, created_at, message: {role, content, thinking?,
 * tool_calls?}, done: false}` object per line, then a last line with
 * `done: true`, `done_reason` and the token counts. A tool call arrives whole
 * in one line. A failure after the 200 is a line `{"error": "..."}`.
 */

/**
 * Turns Ollama's NDJSON chat stream into canonical events, one line at a
 * time: text and reasoning deltas, one whole ToolCallDelta per tool call,
 * one finish, then the usage event last. A stream that ends before the
 * `done: true` line is an error, never a silent cut.
 */
export class OllamaStreamMapper implements StreamMapper {
  readonly #provider: string;
  readonly #request: ChatRequest;
  #final: OllamaChatResponse | undefined;
  #toolCalls = 0;
  #output = "";

  constructor(provider: string, request: ChatRequest) {
    this.#provider = provider;
    this.#request = request;
  }

  data(payload: string, sink: EventSink): boolean {
    const chunk = parseLine(this.#provider, payload);
    const message = chunk.message;
    if (message !== null && typeof message === "object") {
      const text = typeof message.content === "string" ? message.content : "";
      const reasoning = typeof message.thinking === "string" ? message.thinking : "";
      if (text || reasoning) {
        this.#output += text + reasoning;
        sink.event(deltaEvent("", 0, text, reasoning, ""));
      }
      if (Array.isArray(message.tool_calls)) {
        for (const wire of message.tool_calls) {
          const call = toolCallFromOllama(wire, this.#toolCalls);
          this.#output += call.name + call.arguments;
          sink.event(event({ case: "toolCall", value: { index: this.#toolCalls++, ...call } }));
        }
      }
    }
    if (chunk.done !== true) return false;
    this.#final = chunk;
    return true;
  }

  end(sink: EventSink): Promise<void> {
    const final = this.#final;
    if (final === undefined) {
      throw endedEarly(this.#provider);
    }
    const reason = finishReasonFromOllama(final.done_reason, this.#toolCalls > 0);
    sink.event(event({ case: "finish", value: { reason } }));
    return usageFromOllama(final, this.#request, this.#output).then((usage) => {
      sink.event(event({ case: "usage", value: { usage } }));
    });
  }
}

function parseLine(provider: string, line: string): OllamaChatResponse {
  let chunk: OllamaChatResponse;
  try {
    chunk = JSON.parse(line) as OllamaChatResponse;
  } catch {
    throw malformed(provider, "a line that is not JSON");
  }
  if (chunk === null || typeof chunk !== "object" || Array.isArray(chunk)) {
    throw malformed(provider, "a line that is not an object");
  }
  if (chunk.error !== undefined) {
    const detail = typeof chunk.error === "string" ? chunk.error : JSON.stringify(chunk.error);
    throw new GatewayError("upstream_error", `upstream ${provider} failed mid-stream: ${detail}`, {
      provider,
    });
  }
  return chunk;
}

function malformed(provider: string, what: string): GatewayError {
  return new GatewayError("upstream_error", `upstream ${provider} sent ${what} in its stream`, { provider });
}

type StreamEvent = MessageInitShape<typeof StreamResponseSchema>["event"];

function event(value: StreamEvent): StreamResponse {
  return create(StreamResponseSchema, { event: value });
}
