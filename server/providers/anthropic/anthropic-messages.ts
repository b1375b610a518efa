import { type CacheControl, type ContentPart, type Message, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";

/*
 * Follows the Anthropic Messages API as documented:
 * - there is no system role in `messages`: system text is the top-level
 *   `system` (a string or a list of text blocks);
 * - `messages` alternate between `user` and `assistant`, and consecutive turns
 *   of one role are merged into one;
 * - content is a list of blocks: `text`, `image` with a `source` of
 *   `{type:"base64", media_type, data}` or `{type:"url", url}`, `tool_use`
 *   `{id, name, input}` (input is a JSON object) in assistant turns, and
 *   `tool_result` `{tool_use_id, content}` in user turns, which answer the
 *   tool_use blocks of the turn before, with `is_error` when the tool failed;
 * - assistant turns start with their `thinking {thinking, signature}` and
 *   `redacted_thinking {data}` blocks, sent back unchanged;
 * - `cache_control {type, ttl?}` marks a block (system, content, tool_use,
 *   tool_result) as a prompt-cache breakpoint;
 * - text blocks must not be empty.
 */

type Block = Record<string, unknown>;

/** An Anthropic `messages` entry. */
export interface AnthropicTurn {
  role: "user" | "assistant";
  content: Block[];
}

/** The `system` and `messages` of an Anthropic request. */
export interface AnthropicConversation {
  system: string | Block[] | undefined;
  messages: AnthropicTurn[];
}

/**
 * Splits the canonical conversation into Anthropic's top-level `system` and
 * strictly alternating `messages`. Tool messages become user `tool_result`
 * blocks, so consecutive tool results land in one user turn.
 */
export function conversationToAnthropic(
  provider: string,
  messages: readonly Message[],
): AnthropicConversation {
  const system: Block[] = [];
  let cacheMarked = false;
  const turns: AnthropicTurn[] = [];
  messages.forEach((message, i) => {
    if (message.role === Role.SYSTEM || message.role === Role.DEVELOPER) {
      if (message.content.some((part) => part.cacheControl !== undefined)) {
        // Cache breakpoints sit on blocks, so a marked system prompt keeps its blocks as they came.
        cacheMarked = true;
        system.push(...message.content.flatMap(partToBlock));
        return;
      }
      const text = textOf(message.content);
      if (text !== "") system.push(textBlock(text));
      return;
    }
    const role = message.role === Role.ASSISTANT ? "assistant" : "user";
    const content =
      message.role === Role.TOOL
        ? [toolResult(message)]
        : message.role === Role.ASSISTANT
          ? assistantBlocks(provider, message, i)
          : message.content.flatMap(partToBlock);
    if (content.length === 0) return;
    const last = turns.at(-1);
    if (last !== undefined && last.role === role) last.content.push(...content);
    else turns.push({ role, content });
  });
  return {
    system:
      system.length === 0
        ? undefined
        : system.length === 1 && !cacheMarked
          ? (system[0]?.text as string)
          : system,
    messages: turns,
  };
}

/**
 * An assistant turn's blocks. Its thinking goes back first, as Anthropic
 * requires, and only with the signature that proves it came from Anthropic:
 * reasoning another upstream wrote (no signature) is not sent.
 */
function assistantBlocks(provider: string, message: Message, i: number): Block[] {
  const blocks: Block[] = [];
  if (message.reasoningSignature) {
    blocks.push({ type: "thinking", thinking: message.reasoning, signature: message.reasoningSignature });
  }
  for (const data of message.redactedReasoning) blocks.push({ type: "redacted_thinking", data });
  blocks.push(...message.content.flatMap(partToBlock));
  message.toolCalls.forEach((call, j) => {
    blocks.push(
      withCacheControl(
        { type: "tool_use", id: call.id, name: call.name, input: toolInput(provider, call.arguments, i, j) },
        call.cacheControl,
      ),
    );
  });
  return blocks;
}

/** Tool-call arguments as the JSON object Anthropic's `input` must be. */
function toolInput(provider: string, args: string, i: number, j: number): unknown {
  if (args.trim() === "") return {};
  let input: unknown;
  try {
    input = JSON.parse(args);
  } catch {
    input = undefined;
  }
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new GatewayError(
      "invalid_request",
      `messages[${i}].tool_calls[${j}].function.arguments must be a JSON object for provider ${provider} (Anthropic tool_use input)`,
      { param: `messages[${i}].tool_calls[${j}].function.arguments`, provider },
    );
  }
  return input;
}

/** A tool message as a tool_result; the cache breakpoint of its last part marks the whole result. */
function toolResult(message: Message): Block {
  const hasImage = message.content.some((part) => part.part.case === "image");
  const block: Block = {
    type: "tool_result",
    tool_use_id: message.toolCallId,
    content: hasImage ? message.content.flatMap((part) => partBlock(part) ?? []) : textOf(message.content),
  };
  if (message.toolError) block.is_error = true;
  return withCacheControl(block, message.content.at(-1)?.cacheControl);
}

function partToBlock(part: ContentPart): Block[] {
  const block = partBlock(part);
  return block === undefined ? [] : [withCacheControl(block, part.cacheControl)];
}

function partBlock(part: ContentPart): Block | undefined {
  if (part.part.case === "text") return part.part.value === "" ? undefined : textBlock(part.part.value);
  if (part.part.case !== "image") return undefined;
  const image = part.part.value;
  if (image.source.case === "data") {
    const data = Buffer.from(image.source.value).toString("base64");
    return { type: "image", source: { type: "base64", media_type: image.mediaType || "image/png", data } };
  }
  if (image.source.case === "url") return { type: "image", source: parseImageUrl(image.source.value) };
  return undefined;
}

/** Adds Anthropic's `cache_control` to a block (or a tool) when the canonical part carries a breakpoint. */
export function withCacheControl(block: Block, marker: CacheControl | undefined): Block {
  if (marker === undefined) return block;
  block.cache_control = marker.ttl ? { type: marker.type, ttl: marker.ttl } : { type: marker.type };
  return block;
}

/** A data: URL that reached the adapter unparsed still travels inline, as base64. */
function parseImageUrl(url: string): Block {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (match) return { type: "base64", media_type: match[1], data: match[2] };
  return { type: "url", url };
}

function textBlock(text: string): Block {
  return { type: "text", text };
}

function textOf(parts: readonly ContentPart[]): string {
  let text = "";
  for (const part of parts) if (part.part.case === "text") text += (text ? "\n" : "") + part.part.value;
  return text;
}
