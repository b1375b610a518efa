import { create } from "@bufbuild/protobuf";
import {
  type CompleteResponse,
  type StreamResponse,
  StreamResponseSchema,
} from "../../gen/llmgw/v1/chat_pb.js";

/**
 * Replays a whole completion as canonical stream events, for upstreams that
 * answer a streaming request with one JSON body.
 */
export async function* completionEvents(completion: CompleteResponse): AsyncGenerator<StreamResponse> {
  const id = completion.id;
  for (const choice of completion.choices) {
    const message = choice.message;
    const choiceIndex = choice.index;
    if (message !== undefined) {
      let text = "";
      for (const part of message.content) if (part.part.case === "text") text += part.part.value;
      if (text || message.reasoning || message.refusal) {
        yield create(StreamResponseSchema, {
          id,
          choiceIndex,
          event: { case: "delta", value: { text, reasoning: message.reasoning, refusal: message.refusal } },
        });
      }
      for (const [index, call] of message.toolCalls.entries()) {
        yield create(StreamResponseSchema, {
          id,
          choiceIndex,
          event: {
            case: "toolCall",
            value: { index, id: call.id, name: call.name, arguments: call.arguments },
          },
        });
      }
    }
    yield create(StreamResponseSchema, {
      id,
      choiceIndex,
      event: { case: "finish", value: { reason: choice.finishReason } },
    });
  }
  yield create(StreamResponseSchema, { id, event: { case: "usage", value: { usage: completion.usage } } });
}
