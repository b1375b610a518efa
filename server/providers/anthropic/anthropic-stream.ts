import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type ContentDelta,
  type StreamResponse,
  StreamResponseSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { deltaEvent } from "../delta-event.ts";
import type { EventSink, StreamMapper } from "../event-stream.ts";
import { closeWithUsage, endedEarly } from "../stream-end.ts";
import { finishReasonFromAnthropic, usageFromAnthropic } from "./anthropic-usage.ts";
import type { AnthropicStreamEvent, AnthropicUsage } from "./anthropic-wire-types.ts";

/*
 * Follows the Anthropic Messages API streaming format as documented: named SSE
 * events `message_start` (the message with id and input usage),
 * `content_block_start` (a `text`, `thinking` or `tool_use` block with id and
 * name), `content_block_delta` (`text_delta`, `thinking_delta`,
 * `signature_delta`, or `input_json_delta` carrying a `partial_json` fragment
 * of the tool input), `content_block_stop`, `message_delta` (`stop_reason` and
 * cumulative `usage`), `message_stop`, `ping` at any time, and `error` (for
 * example `overloaded_error`) after the 200. Each event's data repeats its
 * name in `type`.
 */

/**
 * Turns an Anthropic SSE message stream into canonical events, one `data`
 * payload at a time: deltas, tool call fragments (indexed by tool-call
 * ordinal, not block index), one finish, then the usage event last. A stream
 * that ends before `message_delta` brought a stop reason is an error, never
 * a silent cut.
 */
export class AnthropicStreamMapper implements StreamMapper {
  readonly #provider: string;
  readonly #request: ChatRequest;
  /** Block index → tool-call ordinal, and whether it got any argument text. */
  readonly #tools = new Map<number, { ordinal: number; args: boolean }>();
  #id = "";
  #usage: AnthropicUsage | undefined;
  #output = "";
  #finished = false;

  constructor(provider: string, request: ChatRequest) {
    this.#provider = provider;
    this.#request = request;
  }

  data(payload: string, sink: EventSink): boolean {
    const provider = this.#provider;
    const event = parseEvent(provider, payload);
    switch (event.type) {
      case "message_start": {
        const message = event.message ?? {};
        if (message.id) this.#id = message.id;
        if (message.usage) this.#usage = { ...message.usage };
        break;
      }
      case "content_block_start": {
        const block = event.content_block ?? {};
        const index = event.index ?? 0;
        if (block.type === "tool_use") {
          const input = block.input;
          const args =
            input !== null && typeof input === "object" && Object.keys(input).length > 0
              ? JSON.stringify(input)
              : "";
          const ordinal = this.#tools.size;
          this.#tools.set(index, { ordinal, args: args !== "" });
          this.#output += (block.name ?? "") + args;
          sink.event(toolCall(this.#id, ordinal, block.id ?? "", block.name ?? "", args));
        } else if (block.type === "text" && block.text) {
          this.#output += block.text;
          sink.event(delta(this.#id, block.text, ""));
        } else if (block.type === "thinking" && block.thinking) {
          this.#output += block.thinking;
          sink.event(delta(this.#id, "", block.thinking));
        } else if (block.type === "redacted_thinking" && block.data) {
          sink.event(reasoningEvent(this.#id, "", block.data));
        }
        break;
      }
      case "content_block_delta": {
        const d = event.delta ?? {};
        if (d.type === "text_delta" && d.text) {
          this.#output += d.text;
          sink.event(delta(this.#id, d.text, ""));
        } else if (d.type === "thinking_delta" && d.thinking) {
          this.#output += d.thinking;
          sink.event(delta(this.#id, "", d.thinking));
        } else if (d.type === "signature_delta" && d.signature) {
          sink.event(reasoningEvent(this.#id, d.signature, ""));
        } else if (d.type === "input_json_delta" && d.partial_json) {
          const tool = this.#tools.get(event.index ?? 0);
          if (tool === undefined) throw malformed(provider, "input_json_delta outside a tool_use block");
          tool.args = true;
          this.#output += d.partial_json;
          sink.event(toolCall(this.#id, tool.ordinal, "", "", d.partial_json));
        }
        break;
      }
      case "content_block_stop": {
        const tool = this.#tools.get(event.index ?? 0);
        // A tool without parameters may stream no input at all: its arguments are still an object.
        if (tool !== undefined && !tool.args) {
          tool.args = true;
          sink.event(toolCall(this.#id, tool.ordinal, "", "", "{}"));
        }
        break;
      }
      case "message_delta": {
        if (event.usage) this.#usage = { ...this.#usage, ...definedOnly(event.usage) };
        const reason = event.delta?.stop_reason;
        if (reason && !this.#finished) {
          this.#finished = true;
          sink.event(
            create(StreamResponseSchema, {
              id: this.#id,
              event: {
                case: "finish",
                value: {
                  reason: finishReasonFromAnthropic(reason),
                  stopSequence:
                    typeof event.delta?.stop_sequence === "string" ? event.delta.stop_sequence : "",
                },
              },
            }),
          );
        }
        break;
      }
      case "message_stop":
        // What follows is read to the end of the body (so the connection returns to the pool) and dropped.
        return true;
      case "error":
        throw streamError(provider, event);
      default:
        // `ping` and event types added later are ignored, as the API asks.
        break;
    }
    return false;
  }

  end(sink: EventSink): Promise<void> | undefined {
    if (!this.#finished) {
      throw endedEarly(this.#provider);
    }
    const usage = this.#usage === undefined ? undefined : usageFromAnthropic(this.#usage);
    return closeWithUsage(sink, this.#id, usage, this.#request, this.#output);
  }
}

function parseEvent(provider: string, data: string): AnthropicStreamEvent {
  let event: AnthropicStreamEvent;
  try {
    event = JSON.parse(data) as AnthropicStreamEvent;
  } catch {
    throw malformed(provider, "an event that is not JSON");
  }
  if (event === null || typeof event !== "object")
    throw malformed(provider, "an event that is not an object");
  return event;
}

/** An `error` event after the 200: overloaded means try later, anything else is an upstream failure. */
function streamError(provider: string, event: AnthropicStreamEvent): GatewayError {
  const type = event.error?.type ?? "error";
  const message = event.error?.message;
  const text = `upstream ${provider} failed mid-stream: ${type}${message ? `: ${message}` : ""}`;
  return new GatewayError(type === "overloaded_error" ? "upstream_unavailable" : "upstream_error", text, {
    provider,
  });
}

function malformed(provider: string, what: string): GatewayError {
  return new GatewayError("upstream_error", `upstream ${provider} sent ${what} in its stream`, { provider });
}

function definedOnly(usage: AnthropicUsage): AnthropicUsage {
  const out: AnthropicUsage = {};
  for (const [key, value] of Object.entries(usage)) {
    if (typeof value === "number") out[key as keyof AnthropicUsage] = value;
  }
  return out;
}

type StreamEvent = MessageInitShape<typeof StreamResponseSchema>["event"];

function delta(id: string, text: string, reasoning: string): StreamResponse {
  return deltaEvent(id, 0, text, reasoning, "");
}

/** A thinking block's signature, or a redacted_thinking block's data, as the delta that carries it back. */
function reasoningEvent(id: string, signature: string, redacted: string): StreamResponse {
  const event = deltaEvent(id, 0, "", "", "");
  const value = event.event.value as ContentDelta;
  value.reasoningSignature = signature;
  value.redactedReasoning = redacted;
  return event;
}

function toolCall(id: string, index: number, callId: string, name: string, args: string): StreamResponse {
  const event: StreamEvent = { case: "toolCall", value: { index, id: callId, name, arguments: args } };
  return create(StreamResponseSchema, { id, event });
}
