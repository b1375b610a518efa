import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import { finishReasonToOpenAI } from "../../wire/openai/finish-reason.ts";
import { renderGateway, renderUsage } from "./render-completion.ts";

/**
 * Turns canonical stream events into OpenAI `chat.completion.chunk` payloads.
 *
 * The first delta of each choice carries `role`. Finish chunks are held until
 * the closing UsageReport arrives (it follows at once), so the gateway's
 * `x-llmgw` metadata can ride on the last chunk even when the caller did not
 * ask for a usage chunk; with `include_usage`, a final chunk with empty
 * `choices` carries usage as OpenAI sends it.
 */
export class ChunkRenderer {
  readonly #model: string;
  readonly #created = Math.floor(Date.now() / 1000);
  readonly #includeUsage: boolean;
  readonly #started = new Set<number>();
  readonly #held: Array<Record<string, unknown>> = [];
  #id: string;
  /** The JSON of a chunk up to its choice index, made once per stream id (see `#textChunk`). */
  #prefix: string | undefined;

  constructor(model: string, includeUsage: boolean, fallbackId: string) {
    this.#model = model;
    this.#includeUsage = includeUsage;
    this.#id = `chatcmpl-${fallbackId}`;
  }

  /** The payloads to send for one event, in order (often one, sometimes none). */
  render(event: StreamResponse): string[] {
    if (event.id && event.id !== this.#id) {
      this.#id = event.id;
      this.#prefix = undefined;
    }
    const index = event.choiceIndex;
    switch (event.event.case) {
      case "delta": {
        const { text, reasoning, refusal } = event.event.value;
        if (text && !reasoning && !refusal && this.#started.has(index)) return [this.#textChunk(index, text)];
        const delta: Record<string, unknown> = this.#role(index);
        if (text) delta.content = text;
        if (reasoning) delta.reasoning_content = reasoning;
        if (refusal) delta.refusal = refusal;
        return [this.#chunk(index, delta, null)];
      }
      case "toolCall": {
        const call = event.event.value;
        const fragment: Record<string, unknown> = { index: call.index };
        if (call.id) {
          fragment.id = call.id;
          fragment.type = "function";
        }
        fragment.function = call.name
          ? { name: call.name, arguments: call.arguments }
          : { arguments: call.arguments };
        return [this.#chunk(index, { ...this.#role(index), tool_calls: [fragment] }, null)];
      }
      case "finish":
        this.#held.push(
          this.#object(index, this.#role(index), finishReasonToOpenAI(event.event.value.reason) ?? "stop"),
        );
        return [];
      case "usage": {
        const { usage, gateway } = event.event.value;
        const meta = renderGateway(gateway);
        const out = this.#held.map((chunk) => chunk);
        if (this.#includeUsage) {
          out.push({ ...this.#base(), choices: [], usage: renderUsage(usage), "x-llmgw": meta });
        } else if (out.length > 0) {
          (out[out.length - 1] as Record<string, unknown>)["x-llmgw"] = meta;
        }
        this.#held.length = 0;
        return out.map((chunk) => JSON.stringify(chunk));
      }
      default:
        return [];
    }
  }

  #role(index: number): Record<string, unknown> {
    if (this.#started.has(index)) return {};
    this.#started.add(index);
    return { role: "assistant" };
  }

  /**
   * The chunk for a plain text delta, the event a stream is mostly made of, built as a string: the
   * same bytes as `#chunk(index, { content: text }, null)`, without an object graph per token.
   */
  #textChunk(index: number, text: string): string {
    this.#prefix ??= `{"id":${JSON.stringify(this.#id)},"object":"chat.completion.chunk","created":${this.#created},"model":${JSON.stringify(this.#model)},"choices":[{"index":`;
    return `${this.#prefix}${index},"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]}`;
  }

  #chunk(index: number, delta: Record<string, unknown>, finish: string | null): string {
    return JSON.stringify(this.#object(index, delta, finish));
  }

  #object(index: number, delta: Record<string, unknown>, finish: string | null): Record<string, unknown> {
    return { ...this.#base(), choices: [{ index, delta, logprobs: null, finish_reason: finish }] };
  }

  #base() {
    return { id: this.#id, object: "chat.completion.chunk", created: this.#created, model: this.#model };
  }
}
