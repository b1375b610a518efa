import type { ChatRequest } from "../../gen/llmgw/v1/chat_pb.js";
import type { TokenUsage } from "../../gen/llmgw/v1/usage_pb.js";
import { tokenUsage } from "./token-usage.ts";

type Encoder = { encode(text: string): number[] };
let encoder: Promise<Encoder> | undefined;

/**
 * Counts tokens with the o200k tokenizer (gpt-tokenizer) when an upstream
 * reports no usage. The counts are approximate for non-OpenAI models, so
 * usage built from them is marked `estimated`. The tables cost about 60 MB
 * and 100 ms to load, so they load on first use, or at start-up through
 * `warmTokenizer` when a provider is known to need them.
 */
async function tokenizer(): Promise<Encoder> {
  encoder ??= import("gpt-tokenizer/encoding/o200k_base").then((module) => ({ encode: module.encode }));
  return encoder;
}

/** Starts loading the tokenizer in the background, so no caller waits for it. */
export function warmTokenizer(): void {
  void tokenizer();
}

/** Per-message framing tokens, as OpenAI's chat format counts them. */
const MESSAGE_OVERHEAD = 4;

export async function estimateUsage(request: ChatRequest, completionText: string): Promise<TokenUsage> {
  const enc = await tokenizer();
  let prompt = 3;
  for (const message of request.messages) {
    prompt += MESSAGE_OVERHEAD;
    for (const part of message.content) {
      if (part.part.case === "text") prompt += enc.encode(part.part.value).length;
    }
    for (const call of message.toolCalls) prompt += enc.encode(call.name + call.arguments).length;
  }
  for (const tool of request.tools)
    prompt += enc.encode(JSON.stringify(tool.parameters ?? {}) + tool.name).length;
  const completion = completionText === "" ? 0 : enc.encode(completionText).length;
  return tokenUsage({
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
    estimated: true,
  });
}

/** Estimated prompt usage of texts sent for embedding, when the upstream reports none. */
export async function estimateInputUsage(texts: ReadonlyArray<string>): Promise<TokenUsage> {
  const enc = await tokenizer();
  let prompt = 0;
  for (const text of texts) prompt += enc.encode(text).length;
  return tokenUsage({ promptTokens: prompt, totalTokens: prompt, estimated: true });
}
