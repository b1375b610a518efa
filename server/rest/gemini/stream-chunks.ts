import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import { renderGateway } from "../openai/render-completion.ts";
import { finishReasonToGemini, functionCallPart, usageMetadata } from "./render-parts.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/generate-content,
 * streamGenerateContent): each chunk is a partial GenerateContentResponse;
 * a candidate's text arrives in pieces, a function call whole (never split
 * across chunks), and the last chunk carries finishReason with the final
 * usageMetadata.
 */

type Json = Record<string, unknown>;

interface PendingCall {
  id: string;
  name: string;
  args: string;
}

/**
 * Turns canonical stream events into Gemini stream chunks (JSON payloads).
 * Text and thinking leave at once. Tool-call fragments are gathered per
 * candidate, since Gemini sends each call whole, and a finish is held until
 * the usage report that follows it, so the last chunk carries every
 * candidate's calls and finishReason together with usageMetadata, as
 * Gemini's last chunk does.
 */
export class GeminiChunkRenderer {
  readonly #model: string;
  readonly #calls = new Map<number, PendingCall[]>();
  readonly #held: Json[] = [];
  #id: string;
  /** The JSON after a chunk's candidates (model and id), made once per stream id. */
  #suffix: string | undefined;

  constructor(model: string, fallbackId: string) {
    this.#model = model;
    this.#id = fallbackId;
  }

  /** The payloads to send for one event (often one, sometimes none). */
  render(event: StreamResponse): string[] {
    if (event.id && event.id !== this.#id) {
      this.#id = event.id;
      this.#suffix = undefined;
    }
    const index = event.choiceIndex;
    switch (event.event.case) {
      case "delta": {
        const { text, reasoning } = event.event.value;
        const out: string[] = [];
        if (reasoning) out.push(this.#textChunk(index, reasoning, true));
        if (text) out.push(this.#textChunk(index, text, false));
        return out;
      }
      case "toolCall": {
        const fragment = event.event.value;
        let calls = this.#calls.get(index);
        if (calls === undefined) {
          calls = [];
          this.#calls.set(index, calls);
        }
        let call = calls[fragment.index];
        if (call === undefined) {
          call = { id: "", name: "", args: "" };
          calls[fragment.index] = call;
        }
        if (fragment.id) call.id = fragment.id;
        if (fragment.name) call.name = fragment.name;
        call.args += fragment.arguments;
        return [];
      }
      case "finish": {
        const parts: Json[] = [];
        let finishReason = finishReasonToGemini(event.event.value.reason);
        for (const call of this.#calls.get(index) ?? []) {
          const part = call === undefined ? undefined : functionCallPart(call.id, call.name, call.args);
          if (part === undefined) finishReason = "MALFORMED_FUNCTION_CALL";
          else parts.push(part);
        }
        this.#calls.delete(index);
        this.#held.push({ content: { role: "model", parts }, finishReason, index });
        return [];
      }
      case "usage": {
        const { usage, gateway } = event.event.value;
        const chunk = {
          candidates: this.#held.slice(),
          usageMetadata: usageMetadata(usage),
          modelVersion: this.#model,
          responseId: this.#id,
          "x-llmgw": renderGateway(gateway),
        };
        this.#held.length = 0;
        return [JSON.stringify(chunk)];
      }
      default:
        return [];
    }
  }

  /** A text (or thought) chunk, built as a string: the delta is what a stream is mostly made of. */
  #textChunk(index: number, text: string, thought: boolean): string {
    this.#suffix ??= `],"modelVersion":${JSON.stringify(this.#model)},"responseId":${JSON.stringify(this.#id)}}`;
    const part = thought
      ? `{"text":${JSON.stringify(text)},"thought":true}`
      : `{"text":${JSON.stringify(text)}}`;
    return `{"candidates":[{"content":{"role":"model","parts":[${part}]},"index":${index}}${this.#suffix}`;
  }
}
