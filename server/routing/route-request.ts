import type { ChatRequest } from "../../gen/llmgw/v1/chat_pb.js";
import type { EmbedRequest } from "../../gen/llmgw/v1/embeddings_pb.js";
import { estimateChatTokens, estimateEmbedTokens } from "./prompt-size.ts";

/**
 * Completion tokens a request is assumed to produce when it sets no
 * `max_tokens`, for estimating its cost: a few paragraphs.
 */
export const DEFAULT_OUTPUT_TOKENS = 512;

/**
 * One request as routing sees it: what strategies, filters and scores ask
 * about it. It is built once per routed request, and the prompt estimate is
 * computed on first use only, so a plan that never needs it never pays.
 */
export class RouteRequest {
  readonly chat: ChatRequest | undefined;
  readonly embed: EmbedRequest | undefined;
  readonly stream: boolean;
  /** Date.now() when routing began, for the freshness of measurements. */
  readonly now: number;
  /** Math.random, or a seeded one in tests. */
  readonly random: () => number;
  #promptTokens = -1;
  #images = -1;

  constructor(
    chat: ChatRequest | undefined,
    embed: EmbedRequest | undefined,
    stream: boolean,
    now: number,
    random: () => number,
  ) {
    this.chat = chat;
    this.embed = embed;
    this.stream = stream;
    this.now = now;
    this.random = random;
  }

  /** Estimated prompt tokens (see prompt-size.ts). */
  get promptTokens(): number {
    if (this.#promptTokens < 0) {
      this.#promptTokens =
        this.chat !== undefined
          ? estimateChatTokens(this.chat)
          : this.embed !== undefined
            ? estimateEmbedTokens(this.embed)
            : 0;
    }
    return this.#promptTokens;
  }

  /** Whether any message has an image part. */
  get usesImages(): boolean {
    if (this.#images < 0) {
      this.#images = 0;
      for (const message of this.chat?.messages ?? [])
        for (const part of message.content) if (part.part.case === "image") this.#images = 1;
    }
    return this.#images === 1;
  }

  /** The caller's `max_tokens`, 0 when unset. */
  get maxTokens(): number {
    return this.chat?.maxTokens ?? 0;
  }

  /** Completion tokens to price: `max_tokens`, else DEFAULT_OUTPUT_TOKENS; none for embeddings. */
  get outputTokens(): number {
    if (this.chat === undefined) return 0;
    return this.chat.maxTokens ?? DEFAULT_OUTPUT_TOKENS;
  }
}
