import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { FinishReason, type StreamResponse, StreamResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { deltaEvent } from "../delta-event.ts";
import { finishReasonFromGemini } from "./gemini-usage.ts";
import type { GeminiResponse, GeminiUsage } from "./gemini-wire-types.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/generate-content):
 * a streamed answer is a sequence of partial `GenerateContentResponse`s with
 * the same shape as a whole one. Each candidate (`index`) brings new `parts`:
 * `text`, `text` with `thought: true` (thinking), or a whole `functionCall
 * {name, args}` (function calls are never split across chunks). A candidate
 * is done when its `finishReason` appears; `usageMetadata` is cumulative, so
 * the last one counts. A prompt blocked by `promptFeedback.blockReason` gets
 * no candidates at all. Function calls carry no id on the Gemini API, so the
 * gateway names them `call_<n>` (n counts the candidate's calls from 0).
 */

type StreamEvent = MessageInitShape<typeof StreamResponseSchema>["event"];

/**
 * Turns Gemini responses (the chunks of a stream, or one whole answer) into
 * canonical events in order: deltas, whole tool calls, and one finish per
 * candidate. The caller adds the usage event from `usage` at the end.
 */
export class GeminiCandidates {
  readonly #provider: string;
  /** Candidate index → number of tool calls so far, and whether it finished. */
  readonly #choices = new Map<number, { calls: number; finished: boolean }>();
  id = "";
  model = "";
  usage: GeminiUsage | undefined;
  /** The generated text, reasoning and tool calls, for estimating usage when none came. */
  output = "";

  constructor(provider: string) {
    this.#provider = provider;
  }

  /** The canonical events one Gemini response (or chunk) adds. */
  push(response: GeminiResponse): StreamResponse[] {
    if (response === null || typeof response !== "object" || Array.isArray(response)) {
      throw this.#malformed("a chunk that is not a JSON object");
    }
    if (response.error !== undefined) throw this.#streamError(response.error);
    if (!this.id && response.responseId) this.id = response.responseId;
    if (!this.model && response.modelVersion) this.model = response.modelVersion;
    if (response.usageMetadata) this.usage = response.usageMetadata;
    const events: StreamResponse[] = [];
    const candidates = Array.isArray(response.candidates) ? response.candidates : [];
    if (candidates.length === 0 && response.promptFeedback?.blockReason) {
      const choice = this.#choice(0);
      if (!choice.finished) {
        choice.finished = true;
        events.push(this.#event(0, { case: "finish", value: { reason: FinishReason.CONTENT_FILTER } }));
      }
      return events;
    }
    candidates.forEach((candidate, position) => {
      const index = typeof candidate.index === "number" ? candidate.index : position;
      const choice = this.#choice(index);
      for (const part of candidate.content?.parts ?? []) {
        if (typeof part.text === "string" && part.text !== "") {
          this.output += part.text;
          const thought = part.thought === true;
          events.push(deltaEvent(this.id, index, thought ? "" : part.text, thought ? part.text : "", ""));
        } else if (part.functionCall !== undefined) {
          const call = part.functionCall;
          const name = call.name ?? "";
          const args = JSON.stringify(call.args ?? {});
          const id = call.id || `call_${choice.calls}`;
          this.output += name + args;
          events.push(
            this.#event(index, {
              case: "toolCall",
              value: { index: choice.calls++, id, name, arguments: args },
            }),
          );
        }
      }
      if (candidate.finishReason && !choice.finished) {
        choice.finished = true;
        const reason = finishReasonFromGemini(candidate.finishReason, choice.calls > 0);
        events.push(this.#event(index, { case: "finish", value: { reason } }));
      }
    });
    return events;
  }

  /** Throws unless every candidate seen has finished (and at least one was seen). */
  end(): void {
    const open = [...this.#choices.values()].some((c) => !c.finished);
    if (this.#choices.size === 0 || open) {
      throw new GatewayError("upstream_error", `upstream ${this.#provider} ended before it finished`, {
        provider: this.#provider,
      });
    }
  }

  #choice(index: number): { calls: number; finished: boolean } {
    let choice = this.#choices.get(index);
    if (choice === undefined) {
      choice = { calls: 0, finished: false };
      this.#choices.set(index, choice);
    }
    return choice;
  }

  #event(choiceIndex: number, event: StreamEvent): StreamResponse {
    return create(StreamResponseSchema, { id: this.id, choiceIndex, event });
  }

  #malformed(what: string): GatewayError {
    return new GatewayError("upstream_error", `upstream ${this.#provider} sent ${what}`, {
      provider: this.#provider,
    });
  }

  /** An `error` object after the 200: RESOURCE_EXHAUSTED and UNAVAILABLE are worth a retry later. */
  #streamError(error: NonNullable<GeminiResponse["error"]>): GatewayError {
    const status = error.status ?? "";
    const text = `upstream ${this.#provider} failed mid-stream: ${status || "error"}${error.message ? `: ${error.message}` : ""}`;
    const code =
      status === "RESOURCE_EXHAUSTED"
        ? "upstream_rate_limited"
        : status === "UNAVAILABLE"
          ? "upstream_unavailable"
          : "upstream_error";
    return new GatewayError(code, text, { provider: this.#provider });
  }
}
