import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import { usageFromAnthropic } from "../anthropic/anthropic-usage.ts";
import type { AnthropicUsage } from "../anthropic/anthropic-wire-types.ts";
import { usageFromGemini } from "../gemini/gemini-usage.ts";
import type { GeminiUsage } from "../gemini/gemini-wire-types.ts";
import { usageFromOpenAI } from "../openai-compatible/openai-usage.ts";
import type { PassthroughApi } from "./raw-request.ts";

type Json = Record<string, unknown>;

/** The longest usage object kept; a bigger one is not usage, and is skipped. */
const MAX_USAGE_BYTES = 16 * 1024;

const SEARCH = 0;
const AFTER_KEY = 1;
const AFTER_COLON = 2;
const CAPTURE = 3;

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/**
 * Reads the usage an upstream reports out of a pass-through answer's bytes
 * as they pass, without buffering the answer: it looks for the family's
 * usage key (`"usage"`, Gemini's `"usageMetadata"`) with the native
 * `indexOf`, and keeps only the object that follows it, which is small.
 * It works alike on one JSON body and on SSE. Anthropic splits its usage
 * over message_start and message_delta, so its reports are merged field by
 * field; every other report (OpenAI's last chunk, the Responses API's
 * response.completed, each Gemini chunk's running totals) is whole, so the
 * last one replaces the rest. That matters: a model can write a key of that
 * name into a tool call's object arguments (Gemini's `functionCall.args`),
 * which come before the upstream's own report, and no field of theirs may
 * outlive it. A key inside a JSON string is escaped (`\"usage\"`), so model
 * text cannot fake usage.
 */
export class UsageTap {
  readonly #key: Buffer;
  readonly #api: PassthroughApi;
  /** Whether a report adds to the previous ones (Anthropic) rather than replacing them. */
  readonly #merges: boolean;
  #state = SEARCH;
  /** The previous chunk's last bytes while searching, for a key split across chunks. */
  #carry: Buffer | undefined;
  #parts: Buffer[] = [];
  #size = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #merged: Json | undefined;
  #usage: TokenUsage | undefined;

  constructor(api: PassthroughApi) {
    this.#api = api;
    this.#merges = api === "anthropic";
    this.#key = Buffer.from(api === "gemini" ? '"usageMetadata"' : '"usage"');
  }

  /** The usage seen so far, in canonical form; undefined when none was reported. */
  get usage(): TokenUsage | undefined {
    if (this.#usage === undefined && this.#merged !== undefined) this.#usage = this.#canonical(this.#merged);
    return this.#usage;
  }

  feed(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    const prior = this.#carry;
    if (this.#state === SEARCH && prior !== undefined) i = this.#junction(chunk, prior);
    while (i < n) {
      const state = this.#state;
      if (state === SEARCH) {
        const at = chunk.indexOf(this.#key, i);
        if (at < 0) {
          // A chunk shorter than the key adds to what was carried rather than replacing it.
          const source =
            prior !== undefined && i === 0 && n < this.#key.length ? Buffer.concat([prior, chunk]) : chunk;
          const keep = Math.min(source.length, this.#key.length);
          this.#carry = Buffer.from(source.subarray(source.length - keep));
          return;
        }
        if (at > 0 && chunk[at - 1] === BACKSLASH) {
          i = at + 1;
          continue;
        }
        i = at + this.#key.length;
        this.#state = AFTER_KEY;
      } else if (state === AFTER_KEY || state === AFTER_COLON) {
        const b = chunk[i] as number;
        if (isSpace(b)) i++;
        else if (state === AFTER_KEY && b === COLON) {
          this.#state = AFTER_COLON;
          i++;
        } else if (state === AFTER_COLON && b === OPEN) this.#startCapture();
        else this.#state = SEARCH; // `null`, or not a key after all
      } else i = this.#capture(chunk, i);
    }
    this.#carry = undefined;
  }

  /** Looks for a key that began in the previous chunk; returns where this chunk's reading resumes. */
  #junction(chunk: Buffer, carry: Buffer): number {
    this.#carry = undefined;
    const head = chunk.subarray(0, this.#key.length - 1);
    const joined = Buffer.concat([carry, head]);
    let from = 1;
    for (;;) {
      const at = joined.indexOf(this.#key, from);
      if (at < 0 || at >= carry.length) return 0;
      if (joined[at - 1] !== BACKSLASH) {
        this.#state = AFTER_KEY;
        return at + this.#key.length - carry.length;
      }
      from = at + 1;
    }
  }

  #startCapture(): void {
    this.#state = CAPTURE;
    this.#parts = [];
    this.#size = 0;
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
  }

  /** Reads the usage object's bytes from `start`; returns where reading goes on. */
  #capture(chunk: Buffer, start: number): number {
    const n = chunk.length;
    for (let i = start; i < n; i++) {
      const b = chunk[i] as number;
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (b === BACKSLASH) this.#escaped = true;
        else if (b === QUOTE) this.#inString = false;
      } else if (b === QUOTE) this.#inString = true;
      else if (b === OPEN) this.#depth++;
      else if (b === CLOSE && --this.#depth === 0) {
        this.#parts.push(chunk.subarray(start, i + 1));
        this.#captured(Buffer.concat(this.#parts));
        this.#parts = [];
        this.#state = SEARCH;
        return i + 1;
      }
    }
    this.#size += n - start;
    if (this.#size > MAX_USAGE_BYTES) {
      this.#parts = [];
      this.#state = SEARCH;
    } else this.#parts.push(Buffer.from(chunk.subarray(start)));
    return n;
  }

  #captured(bytes: Buffer): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString("utf8"));
    } catch {
      return;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return;
    this.#merged =
      this.#merges && this.#merged !== undefined ? Object.assign(this.#merged, parsed) : (parsed as Json);
    this.#usage = undefined;
  }

  #canonical(usage: Json): TokenUsage {
    switch (this.#api) {
      case "anthropic":
        return usageFromAnthropic(usage as AnthropicUsage);
      case "gemini":
        return usageFromGemini(usage as GeminiUsage);
      case "openai":
        // The Responses API names its counts input/output; chat completions and embeddings prompt/completion.
        if (usage.prompt_tokens === undefined && usage.input_tokens !== undefined) {
          return usageFromOpenAI({
            prompt_tokens: usage.input_tokens as number,
            completion_tokens: usage.output_tokens as number,
            total_tokens: usage.total_tokens as number,
            prompt_tokens_details: usage.input_tokens_details as { cached_tokens?: number },
            completion_tokens_details: usage.output_tokens_details as { reasoning_tokens?: number },
          });
        }
        return usageFromOpenAI(usage);
    }
  }
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}
