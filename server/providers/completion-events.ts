import { create } from "@bufbuild/protobuf";
import {
  type CompleteResponse,
  type StreamResponse,
  StreamResponseSchema,
} from "../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import type { EventSink, EventStream } from "./event-stream.ts";

/**
 * Replays a whole completion as canonical stream events, for upstreams that
 * answer a streaming request with one JSON body. The events are all in
 * memory, so they go out at once, in one flush; pausing has nothing to hold back.
 */
export function completionEvents(completion: CompleteResponse): EventStream {
  return new ReplayedEvents(replay(completion));
}

/** The events of a stream that is already complete. */
export class ReplayedEvents implements EventStream {
  readonly #events: readonly StreamResponse[];
  #cancelled = false;

  constructor(events: readonly StreamResponse[]) {
    this.#events = events;
  }

  start(sink: EventSink): void {
    try {
      for (const event of this.#events) {
        if (this.#cancelled) return;
        sink.event(event);
      }
    } catch (error) {
      // A hook that throws on an event ends the stream with its error, as it would an upstream's.
      sink.fail(GatewayError.from(error));
      return;
    }
    if (this.#cancelled) return;
    sink.flush();
    sink.end();
  }

  pause(): void {}

  resume(): void {}

  cancel(): void {
    this.#cancelled = true;
  }
}

function replay(completion: CompleteResponse): StreamResponse[] {
  const id = completion.id;
  const events: StreamResponse[] = [];
  for (const choice of completion.choices) {
    const message = choice.message;
    const choiceIndex = choice.index;
    if (message !== undefined) {
      let text = "";
      for (const part of message.content) if (part.part.case === "text") text += part.part.value;
      if (text || message.reasoning || message.refusal) {
        events.push(
          create(StreamResponseSchema, {
            id,
            choiceIndex,
            event: { case: "delta", value: { text, reasoning: message.reasoning, refusal: message.refusal } },
          }),
        );
      }
      for (const [index, call] of message.toolCalls.entries()) {
        events.push(
          create(StreamResponseSchema, {
            id,
            choiceIndex,
            event: {
              case: "toolCall",
              value: { index, id: call.id, name: call.name, arguments: call.arguments },
            },
          }),
        );
      }
    }
    events.push(
      create(StreamResponseSchema, {
        id,
        choiceIndex,
        event: { case: "finish", value: { reason: choice.finishReason } },
      }),
    );
  }
  events.push(
    create(StreamResponseSchema, { id, event: { case: "usage", value: { usage: completion.usage } } }),
  );
  return events;
}
