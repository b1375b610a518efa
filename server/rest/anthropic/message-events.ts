import { FinishReason, type StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { GatewayError } from "../../errors/gateway-error.ts";
import { renderGateway } from "../openai/render-completion.ts";
import type { StreamFrames } from "../stream-sink.ts";
import { anthropicErrorBody } from "./anthropic-error.ts";
import { messageId } from "./render-message.ts";
import { usageToAnthropic } from "./render-usage.ts";
import { stopReasonToAnthropic } from "./stop-reason.ts";

/*
 * Follows the Anthropic Messages API streaming format as documented:
 * `message_start` (the message with empty content), `ping`, then per
 * content block `content_block_start`, `content_block_delta` (`text_delta`,
 * `thinking_delta`, `signature_delta`, `input_json_delta` with
 * `partial_json`) and `content_block_stop`, then `message_delta` (stop
 * reason, stop sequence, cumulative usage) and `message_stop`; a failure
 * after the 200 is an `error` event. Each event's data repeats its name in
 * `type`.
 */

/** Where named SSE events go (an SseWriter, or a list in tests). */
export interface NamedEventQueue {
  queueEvent(name: string, data: string): void;
}

type OpenBlock = "text" | "thinking" | undefined;

/**
 * Turns canonical stream events into Anthropic's named events. Text and
 * thinking blocks close when another block starts; tool_use blocks stay open
 * until the message ends, so an upstream that interleaves the argument
 * fragments of parallel calls still lands each on its own block index.
 */
export class MessageEventRenderer implements StreamFrames {
  readonly #model: string;
  readonly #requestId: string;
  readonly #out: NamedEventQueue;
  #started = false;
  #next = 0;
  #open: OpenBlock;
  #openIndex = 0;
  /** Block index of each tool call, by tool-call ordinal. */
  readonly #tools: number[] = [];
  #reason: FinishReason = FinishReason.UNSPECIFIED;
  #stopSequence = "";
  /** The JSON of a text delta up to its text, made once per block (see `#text`). */
  #textPrefix = "";

  constructor(model: string, requestId: string, out: NamedEventQueue) {
    this.#model = model;
    this.#requestId = requestId;
    this.#out = out;
  }

  /** Queues the events for one canonical event. */
  event(event: StreamResponse): void {
    if (!this.#started) this.#start(event.id);
    switch (event.event.case) {
      case "delta": {
        const { text, reasoning, refusal, reasoningSignature, redactedReasoning } = event.event.value;
        if (reasoning)
          this.#delta("thinking", `{"type":"thinking_delta","thinking":${JSON.stringify(reasoning)}}`);
        if (reasoningSignature) {
          this.#delta(
            "thinking",
            `{"type":"signature_delta","signature":${JSON.stringify(reasoningSignature)}}`,
          );
        }
        if (redactedReasoning) this.#redacted(redactedReasoning);
        if (text) this.#text(text);
        if (refusal) this.#text(refusal);
        break;
      }
      case "toolCall": {
        const call = event.event.value;
        let index = this.#tools[call.index];
        if (index === undefined) {
          this.#closeOpen();
          index = this.#next++;
          this.#tools[call.index] = index;
          const block = { type: "tool_use", id: call.id, name: call.name, input: {} };
          this.#out.queueEvent(
            "content_block_start",
            `{"type":"content_block_start","index":${index},"content_block":${JSON.stringify(block)}}`,
          );
        }
        if (call.arguments) {
          this.#out.queueEvent(
            "content_block_delta",
            `{"type":"content_block_delta","index":${index},"delta":{"type":"input_json_delta","partial_json":${JSON.stringify(call.arguments)}}}`,
          );
        }
        break;
      }
      case "finish":
        this.#reason = event.event.value.reason;
        this.#stopSequence = event.event.value.stopSequence;
        break;
      case "usage": {
        this.#closeOpen();
        for (const index of this.#tools) {
          if (index !== undefined) this.#stop(index);
        }
        const { usage, gateway } = event.event.value;
        const stop = stopReasonToAnthropic(this.#reason, this.#stopSequence, this.#tools.length > 0);
        this.#out.queueEvent(
          "message_delta",
          JSON.stringify({
            type: "message_delta",
            delta: { stop_reason: stop, stop_sequence: this.#stopSequence || null },
            usage: usageToAnthropic(usage),
            "x-llmgw": renderGateway(gateway),
          }),
        );
        this.#out.queueEvent("message_stop", '{"type":"message_stop"}');
        break;
      }
      default:
        break;
    }
  }

  /** Nothing more to queue: the usage report already closed the message with message_stop. */
  end(): void {}

  /** Queues the `error` event that ends a stream cut short. */
  fail(error: GatewayError): void {
    this.#out.queueEvent("error", anthropicErrorBody(error, this.#requestId));
  }

  #start(id: string): void {
    this.#started = true;
    const message = {
      id: messageId(id, this.#requestId),
      type: "message",
      role: "assistant",
      model: this.#model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    this.#out.queueEvent("message_start", `{"type":"message_start","message":${JSON.stringify(message)}}`);
    this.#out.queueEvent("ping", '{"type":"ping"}');
  }

  /** A text delta, the event a stream is mostly made of, built as one string with no object graph. */
  #text(text: string): void {
    if (this.#open !== "text") this.#textPrefix = this.#begin("text");
    this.#out.queueEvent("content_block_delta", `${this.#textPrefix}${JSON.stringify(text)}}}`);
  }

  #delta(kind: "thinking", delta: string): void {
    if (this.#open !== kind) this.#begin(kind);
    this.#out.queueEvent(
      "content_block_delta",
      `{"type":"content_block_delta","index":${this.#openIndex},"delta":${delta}}`,
    );
  }

  /** Opens a text or thinking block; returns the text delta prefix for its index. */
  #begin(kind: "text" | "thinking"): string {
    this.#closeOpen();
    const index = this.#next++;
    this.#open = kind;
    this.#openIndex = index;
    const block =
      kind === "text" ? '{"type":"text","text":""}' : '{"type":"thinking","thinking":"","signature":""}';
    this.#out.queueEvent(
      "content_block_start",
      `{"type":"content_block_start","index":${index},"content_block":${block}}`,
    );
    return `{"type":"content_block_delta","index":${index},"delta":{"type":"text_delta","text":`;
  }

  #redacted(data: string): void {
    this.#closeOpen();
    const index = this.#next++;
    this.#out.queueEvent(
      "content_block_start",
      `{"type":"content_block_start","index":${index},"content_block":{"type":"redacted_thinking","data":${JSON.stringify(data)}}}`,
    );
    this.#stop(index);
  }

  #closeOpen(): void {
    if (this.#open === undefined) return;
    this.#open = undefined;
    this.#stop(this.#openIndex);
  }

  #stop(index: number): void {
    this.#out.queueEvent("content_block_stop", `{"type":"content_block_stop","index":${index}}`);
  }
}
