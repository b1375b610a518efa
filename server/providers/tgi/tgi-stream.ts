import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type StreamResponse,
  StreamResponseSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { deltaEvent } from "../delta-event.ts";
import type { EventSink, StreamMapper } from "../event-stream.ts";
import { endedEarly } from "../stream-end.ts";
import { StopTrimmer } from "./stop-trim.ts";
import { finishReasonFromTgi, usageFromTgi } from "./tgi-usage.ts";
import type { TgiDetails, TgiStreamEvent } from "./tgi-wire-types.ts";

/*
 * Follows TGI's `POST /generate_stream`: SSE `data:` events, one per token,
 * `{index, token: {id, text, logprob, special}, generated_text, details}`;
 * the last event carries `generated_text` and `details` (`finish_reason`,
 * `generated_tokens`, and `input_length` in recent releases). A failure
 * after the 200 arrives as `{error, error_type}`. There are no event names
 * and no `[DONE]`.
 */

/**
 * Turns a TGI token stream into canonical events, one `data` payload at a
 * time: a text delta per non-special token (minus any stop sequence), then
 * one finish and the usage event last. A stream that ends before the event
 * with details is an error, never a silent cut.
 */
export class TgiStreamMapper implements StreamMapper {
  readonly #provider: string;
  readonly #request: ChatRequest;
  readonly #trimmer: StopTrimmer;
  #details: TgiDetails | undefined;

  constructor(provider: string, request: ChatRequest, stops: readonly string[]) {
    this.#provider = provider;
    this.#request = request;
    this.#trimmer = new StopTrimmer(stops);
  }

  data(payload: string, sink: EventSink): boolean {
    const event = parseEvent(this.#provider, payload);
    const token = event.token;
    const text = token && token.special !== true && typeof token.text === "string" ? token.text : "";
    const details = event.details;
    if (details !== null && details !== undefined && typeof details === "object") {
      const trimmer = this.#trimmer;
      const rest = trimmer.push(text) + trimmer.finish(details.finish_reason === "stop_sequence");
      if (rest !== "") sink.event(delta(rest));
      sink.event(event0({ case: "finish", value: { reason: finishReasonFromTgi(details.finish_reason) } }));
      this.#details = details;
      return true;
    }
    if (text !== "") {
      const ready = this.#trimmer.push(text);
      if (ready !== "") sink.event(delta(ready));
    }
    return false;
  }

  end(sink: EventSink): Promise<void> {
    const details = this.#details;
    if (details === undefined) {
      throw endedEarly(this.#provider);
    }
    return usageFromTgi(details, this.#request).then((usage) => {
      sink.event(event0({ case: "usage", value: { usage } }));
    });
  }
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
  return deltaEvent("", 0, text, "", "");
}
