import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type StreamResponse,
  StreamResponseSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { FramedBody } from "../body-limits.ts";
import { ndjsonLines } from "./ndjson-lines.ts";
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
 * Turns Ollama's NDJSON chat stream into canonical events: text and reasoning
 * deltas, one whole ToolCallDelta per tool call, one finish, then the usage
 * event last. A stream that ends before the `done: true` line is an error,
 * never a silent cut.
 */
export async function* ollamaStreamEvents(
  provider: string,
  body: FramedBody,
  request: ChatRequest,
): AsyncGenerator<StreamResponse> {
  let final: OllamaChatResponse | undefined;
  let toolCalls = 0;
  let output = "";
  for await (const line of ndjsonLines(provider, body)) {
    const chunk = parseLine(provider, line);
    const message = chunk.message;
    if (message !== null && typeof message === "object") {
      const text = typeof message.content === "string" ? message.content : "";
      const reasoning = typeof message.thinking === "string" ? message.thinking : "";
      if (text || reasoning) {
        output += text + reasoning;
        yield event({ case: "delta", value: { text, reasoning } });
      }
      if (Array.isArray(message.tool_calls)) {
        for (const wire of message.tool_calls) {
          const call = toolCallFromOllama(wire, toolCalls);
          output += call.name + call.arguments;
          yield event({ case: "toolCall", value: { index: toolCalls++, ...call } });
        }
      }
    }
    if (chunk.done === true) {
      final = chunk;
      break;
    }
  }
  if (final === undefined) {
    throw new GatewayError("upstream_error", `upstream ${provider} ended the stream before it finished`, {
      provider,
    });
  }
  const reason = finishReasonFromOllama(final.done_reason, toolCalls > 0);
  yield event({ case: "finish", value: { reason } });
  yield event({ case: "usage", value: { usage: await usageFromOllama(final, request, output) } });
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
