import type { ModelPricing } from "../config/schema.ts";
import type { ModelFacts } from "./model-facts.ts";

/**
 * The built-in table of well-known hosted models: list price (USD per million
 * tokens), context window, input modalities, and what the gateway can use
 * them for. It prices requests to models the config lists without a price, so
 * cost tracking works out of the box; a config price always wins.
 *
 * Sources: the providers' public pricing pages, standard (non-batch) tier,
 * checked on PRICES_AS_OF:
 * - OpenAI: https://platform.openai.com/docs/pricing
 * - Anthropic: https://docs.anthropic.com/en/docs/about-claude/pricing
 *   (`cache_write` is the 5-minute cache write; the 1-hour write costs more)
 * - Google: https://ai.google.dev/gemini-api/docs/pricing (the prompt <= 200k
 *   tier; Gemini's cached-input price is left out because it could not be
 *   confirmed, so cached tokens are billed at the input price)
 * Groq and Together models are left out on purpose: their list prices could
 * not be confirmed from the providers' own pages. Price them in config.
 *
 * Prices change: update the table and PRICES_AS_OF together.
 */
export const PRICES_AS_OF = "2026-11-23";

interface BuiltinModel extends Omit<ModelFacts, "pricing"> {
  readonly pricing: ModelPricing;
}

const VISION = ["text", "image"] as const;
const CHAT = { supportsTools: true, supportsJsonMode: true, supportsEmbeddings: false } as const;
// The gateway's Anthropic adapter has no JSON response format, so it is not offered.
const CLAUDE = { supportsTools: true, supportsJsonMode: false, supportsEmbeddings: false } as const;
const EMBEDDING = { supportsTools: false, supportsJsonMode: false, supportsEmbeddings: true } as const;

const claudeOpus4: BuiltinModel = {
  pricing: { input: 15, output: 75, cached_input: 1.5, cache_write: 18.75 },
  contextWindow: 200_000,
  inputModalities: VISION,
  ...CLAUDE,
};
const claudeSonnet4: BuiltinModel = {
  pricing: { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 },
  contextWindow: 200_000,
  inputModalities: VISION,
  ...CLAUDE,
};

const TABLE: Readonly<Record<string, BuiltinModel>> = {
  // OpenAI
  "gpt-4o": {
    pricing: { input: 2.5, output: 10, cached_input: 1.25 },
    contextWindow: 128_000,
    inputModalities: VISION,
    ...CHAT,
  },
  // The first gpt-4o snapshot kept its launch price.
  "gpt-4o-2024-05-13": {
    pricing: { input: 5, output: 15 },
    contextWindow: 128_000,
    inputModalities: VISION,
    ...CHAT,
  },
  "gpt-4o-mini": {
    pricing: { input: 0.15, output: 0.6, cached_input: 0.075 },
    contextWindow: 128_000,
    inputModalities: VISION,
    ...CHAT,
  },
  "gpt-4.1": {
    pricing: { input: 2, output: 8, cached_input: 0.5 },
    contextWindow: 1_047_576,
    inputModalities: VISION,
    ...CHAT,
  },
  "gpt-4.1-mini": {
    pricing: { input: 0.4, output: 1.6, cached_input: 0.1 },
    contextWindow: 1_047_576,
    inputModalities: VISION,
    ...CHAT,
  },
  o3: {
    pricing: { input: 2, output: 8, cached_input: 0.5 },
    contextWindow: 200_000,
    inputModalities: VISION,
    ...CHAT,
  },
  "o4-mini": {
    pricing: { input: 1.1, output: 4.4, cached_input: 0.275 },
    contextWindow: 200_000,
    inputModalities: VISION,
    ...CHAT,
  },
  "text-embedding-3-small": {
    pricing: { input: 0.02, output: 0 },
    contextWindow: 8_191,
    inputModalities: ["text"],
    ...EMBEDDING,
  },
  "text-embedding-3-large": {
    pricing: { input: 0.13, output: 0 },
    contextWindow: 8_191,
    inputModalities: ["text"],
    ...EMBEDDING,
  },
  // Anthropic (the `-0` names are Anthropic's own aliases)
  "claude-opus-4": claudeOpus4,
  "claude-opus-4-0": claudeOpus4,
  "claude-opus-4-1": claudeOpus4,
  "claude-sonnet-4": claudeSonnet4,
  "claude-sonnet-4-0": claudeSonnet4,
  "claude-3-5-haiku": {
    pricing: { input: 0.8, output: 4, cached_input: 0.08, cache_write: 1 },
    contextWindow: 200_000,
    ...CLAUDE,
  },
  // Google Gemini
  "gemini-2.5-pro": {
    pricing: { input: 1.25, output: 10 },
    contextWindow: 1_048_576,
    inputModalities: ["text", "image", "audio", "video"],
    ...CHAT,
  },
  // Audio input is billed higher than this text/image/video price.
  "gemini-2.5-flash": {
    pricing: { input: 0.3, output: 2.5 },
    contextWindow: 1_048_576,
    inputModalities: ["text", "image", "audio", "video"],
    ...CHAT,
  },
};

/** A dated snapshot or moving alias: `-2024-08-06`, `-20250514` or `-latest` at the end of the name. */
const SNAPSHOT_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/**
 * The built-in facts for an upstream model name: the exact name first, then
 * the name without a snapshot suffix (`gpt-4o-2024-08-06` → `gpt-4o`,
 * `claude-sonnet-4-20250514` → `claude-sonnet-4`). Nothing else is guessed:
 * `gpt-4o-mini-audio` is not `gpt-4o-mini`. Undefined for unknown models.
 */
export function builtinFacts(upstreamModel: string): ModelFacts | undefined {
  const found = TABLE[upstreamModel] ?? TABLE[upstreamModel.replace(SNAPSHOT_SUFFIX, "")];
  if (found === undefined) return undefined;
  return { ...found, pricing: { ...found.pricing, source: `builtin:${PRICES_AS_OF}` } };
}
