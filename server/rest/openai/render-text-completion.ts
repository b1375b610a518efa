import type { CompleteResponse, StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import { finishReasonToOpenAI } from "../../wire/openai/finish-reason.ts";
import { renderGateway, renderUsage } from "./render-completion.ts";
import type { SseRenderer } from "./sse-events.ts";

/**
 * A canonical completion as OpenAI's legacy `text_completion` JSON: each
 * choice's answer text as `text` (reasoning, which the legacy API has no
 * place for, is not shown), with usage and the gateway's `x-llmgw` object.
 */
export function renderTextCompletion(response: CompleteResponse, model: string, requestId: string): string {
  return JSON.stringify({
    id: `cmpl-${requestId}`,
    object: "text_completion",
    created: Number(response.created),
    model: response.model || model,
    choices: response.choices.map((choice) => {
      let text = "";
      for (const part of choice.message?.content ?? [])
        if (part.part.case === "text") text += part.part.value;
      return {
        text,
        index: choice.index,
        logprobs: null,
        finish_reason: finishReasonToOpenAI(choice.finishReason) ?? "stop",
      };
    }),
    usage: renderUsage(response.usage),
    "x-llmgw": renderGateway(response.gateway),
  });
}

/**
 * Turns canonical stream events into legacy `text_completion` SSE chunks,
 * `choices[].text` per text delta. As for chat chunks, finish chunks are
 * held until the closing UsageReport so the `x-llmgw` metadata rides on the
 * last one; with `include_usage` a final chunk with empty `choices` carries
 * usage.
 */
export class TextChunkRenderer implements SseRenderer {
  readonly #includeUsage: boolean;
  /** Every chunk's JSON up to its choice index, made once per stream. */
  readonly #prefix: string;
  readonly #base: Record<string, unknown>;
  readonly #held: Array<Record<string, unknown>> = [];

  constructor(model: string, includeUsage: boolean, requestId: string) {
    this.#includeUsage = includeUsage;
    const id = `cmpl-${requestId}`;
    const created = Math.floor(Date.now() / 1000);
    this.#base = { id, object: "text_completion", created, model };
    this.#prefix = `{"id":${JSON.stringify(id)},"object":"text_completion","created":${created},"model":${JSON.stringify(model)},"choices":[{"text":`;
  }

  render(event: StreamResponse): string[] {
    const index = event.choiceIndex;
    switch (event.event.case) {
      case "delta": {
        const text = event.event.value.text;
        if (!text) return [];
        return [
          `${this.#prefix}${JSON.stringify(text)},"index":${index},"logprobs":null,"finish_reason":null}]}`,
        ];
      }
      case "finish": {
        const finish = finishReasonToOpenAI(event.event.value.reason) ?? "stop";
        this.#held.push({
          ...this.#base,
          choices: [{ text: "", index, logprobs: null, finish_reason: finish }],
        });
        return [];
      }
      case "usage": {
        const { usage, gateway } = event.event.value;
        const meta = renderGateway(gateway);
        const out = this.#held.splice(0);
        if (this.#includeUsage)
          out.push({ ...this.#base, choices: [], usage: renderUsage(usage), "x-llmgw": meta });
        else if (out.length > 0) (out[out.length - 1] as Record<string, unknown>)["x-llmgw"] = meta;
        return out.map((chunk) => JSON.stringify(chunk));
      }
      default:
        return [];
    }
  }
}
