import type { ChatRequest } from "../../gen/llmgw/v1/chat_pb.js";
import type { EmbedRequest } from "../../gen/llmgw/v1/embeddings_pb.js";

/**
 * A cheap, synchronous guess at a prompt's size in tokens, for routing
 * (does it fit a context window, what will it cost). It never loads the
 * tokenizer: about four characters a token for text, plus OpenAI's chat
 * framing. Images and tool schemas are flat guesses, since their real cost
 * depends on the upstream (image tiles, how a schema is rendered).
 */
const CHARS_PER_TOKEN = 4;
/** Framing tokens per message, as OpenAI's chat format counts them. */
const MESSAGE_OVERHEAD = 4;
/** The reply's priming tokens. */
const REPLY_PRIMING = 3;
/** An image at high detail is about this many tokens on OpenAI (four 512 px tiles and the base). */
const IMAGE_TOKENS = 765;
/** A tool's parameter schema, which is not serialised to be measured. */
const TOOL_SCHEMA_TOKENS = 50;

/** Estimated prompt tokens of a chat request. */
export function estimateChatTokens(chat: ChatRequest): number {
  let chars = 0;
  let tokens = REPLY_PRIMING;
  for (const message of chat.messages) {
    tokens += MESSAGE_OVERHEAD;
    for (const part of message.content) {
      if (part.part.case === "text") chars += part.part.value.length;
      else if (part.part.case === "image") tokens += IMAGE_TOKENS;
    }
    for (const call of message.toolCalls) chars += call.name.length + call.arguments.length;
  }
  for (const tool of chat.tools) {
    chars += tool.name.length + tool.description.length;
    tokens += TOOL_SCHEMA_TOKENS;
  }
  return tokens + Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Estimated input tokens of an embeddings request. */
export function estimateEmbedTokens(embed: EmbedRequest): number {
  let chars = 0;
  for (const input of embed.inputs) chars += input.length;
  return Math.ceil(chars / CHARS_PER_TOKEN);
}
