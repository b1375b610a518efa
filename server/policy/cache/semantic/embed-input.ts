import { createHash } from "node:crypto";
import { type ChatRequest, type Message, Role } from "../../../../gen/llmgw/v1/chat_pb.js";

/**
 * What the semantic cache embeds of a conversation: its last user message
 * (the default: the question being asked), or every non-system message's
 * text, oldest first (for callers whose questions only make sense with what
 * came before).
 */
export type EmbedScope = "last_user_message" | "conversation";

/** What a request is looked up and indexed by, beside the cache's exact key. */
export interface SemanticInput {
  /** The text to embed. */
  readonly text: string;
  /** The partition hash: only entries with the same one are compared. */
  readonly partition: string;
}

/** What the partition holds besides the request: who may share answers, and how vectors were made. */
export interface PartitionScope {
  /** The cache namespace (a key's or team's name, "" for the global one). */
  readonly namespace: string;
  /** The model after alias resolution. */
  readonly model: string;
  /** The embedder's name: vectors of two embedders are not comparable. */
  readonly embedder: string;
}

/**
 * The text to embed and the partition of a chat request, or undefined when
 * there is nothing to embed (no user text), so the semantic cache leaves the
 * request alone.
 *
 * The partition is a SHA-256 over everything that must match exactly for one
 * answer to serve another: the namespace, the model, the embedder and the
 * scope; the system (and developer) prompt; the tools with `tool_choice` and
 * `parallel_tool_calls`; `response_format`; and everything of the
 * conversation that is not embedded: with the last user message embedded,
 * every other message (so "yes, please" after two different answers never
 * matches), and in either scope the parts that are not text (images, tool
 * calls, tool call ids), which a text embedding cannot see.
 */
export function semanticInput(
  chat: ChatRequest,
  scope: EmbedScope,
  partition: PartitionScope,
): SemanticInput | undefined {
  const lastUser = scope === "last_user_message" ? lastUserIndex(chat.messages) : -1;
  if (scope === "last_user_message" && lastUser === -1) return undefined;
  const hash = new Fields();
  field(hash, "llmgw-semantic-v1");
  field(hash, partition.namespace);
  field(hash, partition.model);
  field(hash, partition.embedder);
  field(hash, scope);
  const texts: string[] = [];
  for (let i = 0; i < chat.messages.length; i++) {
    const message = chat.messages[i] as Message;
    const system = message.role === Role.SYSTEM || message.role === Role.DEVELOPER;
    // Embedded: the last user message, or every message but the system prompt. The rest is hashed whole.
    const embedded = scope === "conversation" ? !system : i === lastUser;
    if (embedded) {
      const text = textOf(message);
      if (text !== "") texts.push(text);
      hashBesideText(hash, message, i);
    } else {
      hashWhole(hash, message, i);
    }
  }
  const text = texts.join("\n").trim();
  if (text === "") return undefined;
  hashTools(hash, chat);
  hashResponseFormat(hash, chat);
  return { text, partition: hash.digest() };
}

function lastUserIndex(messages: readonly Message[]): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    if ((messages[i] as Message).role === Role.USER) return i;
  }
  return -1;
}

/** A message's text parts, joined by newlines. */
function textOf(message: Message): string {
  let text = "";
  for (const part of message.content) {
    if (part.part.case !== "text") continue;
    text = text === "" ? part.part.value : `${text}\n${part.part.value}`;
  }
  return text;
}

/** Hashes a message that is not embedded: its role, text and everything else. */
function hashWhole(hash: Fields, message: Message, position: number): void {
  field(hash, `m${position}:${message.role}`);
  for (const part of message.content) {
    if (part.part.case === "text") field(hash, `t:${part.part.value}`);
  }
  field(hash, message.refusal);
  hashBesideText(hash, message, position);
}

/** Hashes what an embedding of a message's text cannot see: its images, tool calls and name. */
function hashBesideText(hash: Fields, message: Message, position: number): void {
  field(hash, `b${position}:${message.role}:${message.name}:${message.toolCallId}`);
  for (const part of message.content) {
    if (part.part.case !== "image") continue;
    const source = part.part.value.source;
    if (source.case === "url") field(hash, `i:url:${source.value}`);
    else if (source.case === "data") {
      field(hash, `i:data:${part.part.value.mediaType}:${source.value.length}`);
      hash.bytes(source.value);
    }
  }
  for (const call of message.toolCalls) field(hash, `c:${call.id}:${call.name}:${call.arguments}`);
}

function hashTools(hash: Fields, chat: ChatRequest): void {
  field(hash, `tools:${chat.tools.length}`);
  for (const tool of chat.tools) {
    field(hash, tool.name);
    field(hash, tool.description);
    field(hash, JSON.stringify(tool.parameters ?? null));
    field(hash, String(tool.strict));
  }
  const choice = chat.toolChoice?.choice;
  field(hash, choice === undefined || choice.case === undefined ? "" : `${choice.case}:${choice.value}`);
  field(hash, String(chat.parallelToolCalls));
}

function hashResponseFormat(hash: Fields, chat: ChatRequest): void {
  const format = chat.responseFormat;
  if (format === undefined) {
    field(hash, "format:none");
    return;
  }
  field(hash, `format:${format.type}:${format.name}:${String(format.strict)}`);
  field(hash, format.description);
  field(hash, JSON.stringify(format.schema ?? null));
}

/** Adds a string with its length before it, so that no two sequences of fields hash alike. */
function field(hash: Fields, value: string): void {
  hash.text(`${value.length}:`);
  hash.text(value);
}

/**
 * A SHA-256 fed in few calls: strings are gathered and handed to the hash
 * joined, at the next bytes or at the digest. The digest is the one that one
 * `update` per string would give (a hash of a concatenation is the hash of
 * its parts in turn, and UTF-8 encodes a joined string as its parts, since
 * every field starts with its length's digits, so no surrogate pair is made
 * across two parts), at a fraction of the calls: each `update` crosses into
 * native code, and a request has a few dozen fields.
 */
class Fields {
  readonly #hash = createHash("sha256");
  #pending: string[] = [];

  text(value: string): void {
    this.#pending.push(value);
  }

  bytes(value: Uint8Array): void {
    this.#flush();
    this.#hash.update(value);
  }

  digest(): string {
    this.#flush();
    return this.#hash.digest("base64url");
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    this.#hash.update(this.#pending.join(""));
    this.#pending = [];
  }
}
