import { create, toJson } from "@bufbuild/protobuf";
import {
  ChoiceSchema,
  type CompleteResponse,
  CompleteResponseSchema,
  type FinishReason,
  FinishReasonSchema,
  Role,
  type StreamResponse,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { type TokenUsage, TokenUsageSchema } from "../../../gen/llmgw/v1/usage_pb.js";

interface AssembledToolCall {
  index: number;
  id: string;
  name: string;
  arguments: string;
}

interface AssembledChoice {
  index: number;
  text: string;
  reasoning: string;
  refusal: string;
  toolCalls: AssembledToolCall[];
  finishReason: string;
  stopSequence: string;
}

/**
 * A streamed answer put back together as one, for the audit log: per choice
 * the text, reasoning and refusal joined, the tool calls' arguments joined by
 * index, the finish reason, and the usage. One is made per audited stream
 * (only when payloads are kept), and `add` is registered as that call's event
 * hook: appending strings, no allocation per event beyond them.
 */
export class StreamAssembly {
  readonly #choices: AssembledChoice[] = [];
  /** Each choice's finish reason as the enum, for `toCompletion`. */
  readonly #reasons: FinishReason[] = [];
  #usage: unknown;
  #usageMessage: TokenUsage | undefined;
  #id = "";

  readonly add = (event: StreamResponse): void => {
    const e = event.event;
    if (e.case === "usage") {
      this.#usageMessage = e.value.usage;
      if (e.value.usage !== undefined) this.#usage = toJson(TokenUsageSchema, e.value.usage);
      return;
    }
    if (this.#id === "") this.#id = event.id;
    if (e.case === undefined) return;
    const choice = this.#choice(event.choiceIndex);
    if (e.case === "delta") {
      choice.text += e.value.text;
      choice.reasoning += e.value.reasoning;
      choice.refusal += e.value.refusal;
    } else if (e.case === "toolCall") {
      const delta = e.value;
      let call = choice.toolCalls.find((c) => c.index === delta.index);
      if (call === undefined) {
        call = { index: delta.index, id: "", name: "", arguments: "" };
        choice.toolCalls.push(call);
      }
      if (delta.id) call.id = delta.id;
      if (delta.name) call.name += delta.name;
      call.arguments += delta.arguments;
    } else if (e.case === "finish") {
      choice.finishReason = FinishReasonSchema.values.find((v) => v.number === e.value.reason)?.name ?? "";
      this.#reasons[event.choiceIndex] = e.value.reason;
      choice.stopSequence = e.value.stopSequence;
    }
  };

  /** Names of the tools the answer called, in order. */
  toolNames(): string[] {
    return this.#choices.flatMap((c) => c.toolCalls.map((t) => t.name));
  }

  /**
   * The answer as the unary completion it stands for (for the response
   * cache): one assistant message per choice, its finish reason and the usage.
   */
  toCompletion(model: string): CompleteResponse {
    return create(CompleteResponseSchema, {
      id: this.#id,
      model,
      created: BigInt(Math.floor(Date.now() / 1000)),
      choices: this.#choices.map((c) =>
        create(ChoiceSchema, {
          index: c.index,
          message: {
            role: Role.ASSISTANT,
            content: c.text === "" ? [] : [{ part: { case: "text", value: c.text } }],
            reasoning: c.reasoning,
            refusal: c.refusal,
            toolCalls: c.toolCalls.map((t) => ({ id: t.id, name: t.name, arguments: t.arguments })),
          },
          finishReason: this.#reasons[c.index] ?? 0,
          stopSequence: c.stopSequence,
        }),
      ),
      usage: this.#usageMessage,
    });
  }

  /** The answer as one JSON document. */
  toJson(): string {
    return JSON.stringify({ choices: this.#choices, usage: this.#usage ?? null });
  }

  #choice(index: number): AssembledChoice {
    let choice = this.#choices[index];
    if (choice === undefined) {
      choice = {
        index,
        text: "",
        reasoning: "",
        refusal: "",
        toolCalls: [],
        finishReason: "",
        stopSequence: "",
      };
      this.#choices[index] = choice;
    }
    return choice;
  }
}
