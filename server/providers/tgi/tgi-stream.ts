import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type StreamResponse,
  StreamResponseSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { FramedBody } from "../body-limits.ts";
import { sseData } from "../sse-data.ts";
import { StopTrimmer } from "./stop-trim.ts";
import { finishReasonFromTgi, usageFromTgi } from "./tgi-usage.ts";
import type { TgiStreamEvent } from "./tgi-wire-types.ts";

/*
 * Follows TGI's `POST /generate_stream`: SSE `data:` events, one per token,
 * `{index, token: {id, text, logprob, special}, generated_text, details}`;
 * the last event carries `generated_text` and `details` (`finish_reason`,
 * `generated_tokens`, and `input_length` in recent releases). A failure
 * after the 200 arrives as `{error, error_type}`. There are no event names
 * and no `[DONE]`.
 */

/**
 * Turns a TGI token stream into canonical events: a text delta per
 * non-special token (minus any stop sequence), then one finish and the usage
 * event last. A stream that ends before the event with details is an error,
 * never a silent cut.
 */
export async function* tgiStreamEvents(
  provider: string,
  body: FramedBody,
  request: ChatRequest,
  stops: readonly string[],
): AsyncGenerator<StreamResponse> {
  const trimmer = new StopTrimmer(stops);

  for await (const data of sseData(body)) {
    const event = parseEvent(provider, data);
    const token = event.token;
    const text = token && token.special !== true && typeof token.text === "string" ? token.text : "";
    const details = event.details;
    if (details !== null && details !== undefined && typeof details === "object") {
      const rest = trimmer.push(text) + trimmer.finish(details.finish_reason === "stop_sequence");
      if (rest !== "") yield delta(rest);
      yield event0({ case: "finish", value: { reason: finishReasonFromTgi(details.finish_reason) } });
      const usage = await usageFromTgi(details, request);
      yield event0({ case: "usage", value: { usage } });
      return;
    }
    if (text !== "") {
      const ready = trimmer.push(text);
      if (ready !== "") yield delta(ready);
    }
  }
  throw new GatewayError("upstream_error", `upstream ${provider} ended the stream before it finished`, {
    provider,
  });
}

function parseEvent(provider: string, data: string): TgiStreamEvent {
  let event: TgiStreamEvent;
  try {
    event = JSON.parse(data) as TgiStreamEvent;
  } catch {
    throw malformed(provider, "an event that is not JSON");
  }
  if (event === null || typeof event !== "object")
    throw malformed(provider, "an event that is not an object");
  if (typeof event.error === "string") {
    const type = event.error_type ?? "error";
    throw new GatewayError(
      type === "overloaded" ? "upstream_unavailable" : "upstream_error",
      `upstream ${provider} failed mid-stream: ${type}: ${event.error}`,
      { provider },
    );
  }
  return event;
}

function malformed(provider: string, what: string): GatewayError {
  return new GatewayError("upstream_error", `upstream ${provider} sent ${what} in its stream`, { provider });
}

type StreamEvent = MessageInitShape<typeof StreamResponseSchema>["event"];

function event0(value: StreamEvent): StreamResponse {
  return create(StreamResponseSchema, { event: value });
}

function delta(text: string): StreamResponse {
  return event0({ case: "delta", value: { text } });
}
