import type { CompleteResponse, Message } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { renderGateway } from "../openai/render-completion.ts";
import { doneReason, ollamaTimings } from "./ollama-timings.ts";

/** Which Ollama endpoint an answer is for: `/api/chat` (a `message`) or `/api/generate` (a `response`). */
export type OllamaEndpoint = "chat" | "generate";

/**
 * A canonical completion as Ollama's one answer object (`stream: false`):
 * `message` for /api/chat, `response` (and `thinking`) for /api/generate,
 * then `done: true`, `done_reason`, the counts and durations, and the
 * gateway's `x-llmgw` object.
 */
export function renderOllamaAnswer(
  response: CompleteResponse,
  model: string,
  endpoint: OllamaEndpoint,
): string {
  const choice = response.choices[0];
  const message = choice?.message;
  const created = Number(response.created);
  const head: Record<string, unknown> = {
    model,
    created_at: new Date(created > 0 ? created * 1000 : Date.now()).toISOString(),
  };
  if (endpoint === "chat") head.message = ollamaMessage(message);
  else {
    head.response = textOf(message);
    if (message?.reasoning) head.thinking = message.reasoning;
  }
  return JSON.stringify({
    ...head,
    done: true,
    done_reason: doneReason(choice?.finishReason ?? 0),
    ...ollamaTimings(response.usage, response.gateway),
    "x-llmgw": renderGateway(response.gateway),
  });
}

function ollamaMessage(message: Message | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { role: "assistant", content: textOf(message) };
  if (message?.reasoning) out.thinking = message.reasoning;
  if (message !== undefined && message.toolCalls.length > 0) {
    out.tool_calls = message.toolCalls.map((call) => ollamaToolCall(call.id, call.name, call.arguments));
  }
  return out;
}

/**
 * One tool call as Ollama sends it, whole, with `arguments` as a JSON object
 * (the canonical call carries the model's JSON text). Arguments that are not
 * an object cannot be shown to an Ollama client, so they fail the answer
 * rather than reaching it as something else.
 */
export function ollamaToolCall(id: string, name: string, args: string): Record<string, unknown> {
  let parsed: unknown = {};
  if (args.trim() !== "") {
    try {
      parsed = JSON.parse(args);
    } catch {
      parsed = undefined;
    }
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new GatewayError(
      "upstream_error",
      `the model called ${name} with arguments that are not a JSON object, which Ollama's API cannot carry`,
    );
  }
  return { ...(id ? { id } : {}), function: { name, arguments: parsed } };
}

function textOf(message: Message | undefined): string {
  let text = "";
  for (const part of message?.content ?? []) if (part.part.case === "text") text += part.part.value;
  return text;
}
