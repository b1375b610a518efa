import { FinishReason, type StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import { renderGateway } from "../openai/render-completion.ts";
import { doneReason, ollamaTimings } from "./ollama-timings.ts";
import type { OllamaEndpoint } from "./render-ollama-answer.ts";
import { ollamaToolCall } from "./render-ollama-answer.ts";

interface PendingCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Turns canonical stream events into Ollama's NDJSON lines (without the
 * newline): one `done: false` line per content delta (`message.content` and
 * `message.thinking` for /api/chat, `response` and `thinking` for
 * /api/generate), then the last line with `done: true`, `done_reason`, the
 * counts and durations and the gateway's `x-llmgw` object.
 *
 * Ollama sends each tool call whole, with its arguments as an object, while
 * the canonical stream carries argument fragments; the fragments are
 * gathered and the calls leave in one line just before the last. Ollama
 * answers with one choice, so only choice 0 is rendered.
 */
export class OllamaLines {
  readonly #model: string;
  readonly #endpoint: OllamaEndpoint;
  /** Every delta line up to its text, made once per stream. */
  readonly #prefix: string;
  readonly #calls: PendingCall[] = [];
  #reason: FinishReason = FinishReason.UNSPECIFIED;

  constructor(model: string, endpoint: OllamaEndpoint) {
    this.#model = model;
    this.#endpoint = endpoint;
    const head = `{"model":${JSON.stringify(model)},"created_at":"${new Date().toISOString()}",`;
    this.#prefix =
      endpoint === "chat" ? `${head}"message":{"role":"assistant","content":` : `${head}"response":`;
  }

  /** The lines to send for one event, in order (often one, sometimes none). */
  render(event: StreamResponse): string[] {
    if (event.choiceIndex !== 0 && event.event.case !== "usage") return [];
    switch (event.event.case) {
      case "delta": {
        const { text, reasoning } = event.event.value;
        if (!text && !reasoning) return [];
        const thinking = reasoning ? `,"thinking":${JSON.stringify(reasoning)}` : "";
        const close = this.#endpoint === "chat" ? "}" : "";
        return [`${this.#prefix}${JSON.stringify(text)}${thinking}${close},"done":false}`];
      }
      case "toolCall": {
        const { index, id, name, arguments: args } = event.event.value;
        let call = this.#calls[index];
        if (call === undefined) {
          call = { id: "", name: "", arguments: "" };
          this.#calls[index] = call;
        }
        if (id) call.id = id;
        if (name) call.name = name;
        call.arguments += args;
        return [];
      }
      case "finish":
        this.#reason = event.event.value.reason;
        return [];
      case "usage":
        return this.#closing(event.event.value.usage, event.event.value.gateway);
      default:
        return [];
    }
  }

  #closing(...[usage, gateway]: Parameters<typeof ollamaTimings>): string[] {
    const lines: string[] = [];
    const createdAt = new Date().toISOString();
    const calls = this.#calls.filter((call) => call !== undefined);
    if (calls.length > 0 && this.#endpoint === "chat") {
      const toolCalls = calls.map((call) => ollamaToolCall(call.id, call.name, call.arguments));
      const message = { role: "assistant", content: "", tool_calls: toolCalls };
      lines.push(JSON.stringify({ model: this.#model, created_at: createdAt, message, done: false }));
    }
    const last = {
      model: this.#model,
      created_at: createdAt,
      ...(this.#endpoint === "chat" ? { message: { role: "assistant", content: "" } } : { response: "" }),
      done: true,
      done_reason: doneReason(this.#reason),
      ...ollamaTimings(usage, gateway),
      "x-llmgw": renderGateway(gateway),
    };
    lines.push(JSON.stringify(last));
    return lines;
  }
}
