/**
 * Presets for hosts that speak OpenAI's chat completions API. A preset fills
 * in what a config would otherwise have to spell out, so
 * `{ name: fast, type: groq, api_key: ... }` works without a base_url. Every
 * field here is only a default: the provider's own config always wins.
 *
 * All of them send the API key as `Authorization: Bearer <key>`, and all use
 * the OpenAI-compatible adapter. This module is plain data and imports nothing
 * from config, so config parsing can apply it without an import cycle.
 */

/** The request field that carries the completion limit. */
export type MaxTokensField = "max_tokens" | "max_completion_tokens";

/** What a preset supplies. */
export interface OpenAICompatiblePreset {
  /** The API root used when the config gives no base_url; none means base_url is required. */
  readonly baseUrl?: string;
  /** How the API key travels. */
  readonly auth: "bearer";
  /** Whether the host accepts `stream_options.include_usage` (the `stream_usage` default). */
  readonly streamUsage: boolean;
  /** The completion-limit field the host wants. */
  readonly maxTokensField: MaxTokensField;
  /**
   * The quirks above apply only when base_url is the preset's own host. Set for
   * `openai`, which is also the generic type that configs point at vLLM and
   * friends with a base_url: those keep the plain OpenAI-compatible defaults.
   */
  readonly quirksOnlyAtOwnHost?: boolean;
}

export const OPENAI_COMPATIBLE_PRESETS = {
  // OpenAI itself. `max_tokens` is deprecated there and rejected by the o-series
  // reasoning models; `max_completion_tokens` works for every chat model.
  openai: {
    baseUrl: "https://api.openai.com/v1",
    auth: "bearer",
    streamUsage: true,
    maxTokensField: "max_completion_tokens",
    quirksOnlyAtOwnHost: true,
  },
  // vLLM's OpenAI-compatible server (`vllm serve`, default port 8000).
  vllm: {
    baseUrl: "http://127.0.0.1:8000/v1",
    auth: "bearer",
    streamUsage: true,
    maxTokensField: "max_tokens",
  },
  // GroqCloud; its OpenAI-compatible API lives under /openai/v1.
  groq: {
    baseUrl: "https://api.groq.com/openai/v1",
    auth: "bearer",
    streamUsage: true,
    maxTokensField: "max_tokens",
  },
  // Together AI's serverless inference.
  together: {
    baseUrl: "https://api.together.xyz/v1",
    auth: "bearer",
    streamUsage: true,
    maxTokensField: "max_tokens",
  },
  // OpenRouter, which fronts many upstreams behind one OpenAI-compatible API.
  openrouter: {
    baseUrl: "https://openrouter.ai/api/v1",
    auth: "bearer",
    streamUsage: true,
    maxTokensField: "max_tokens",
  },
  // LM Studio's local server (default port 1234).
  lmstudio: {
    baseUrl: "http://127.0.0.1:1234/v1",
    auth: "bearer",
    streamUsage: true,
    maxTokensField: "max_tokens",
  },
  // llama.cpp's `llama-server` (default port 8080).
  llamacpp: {
    baseUrl: "http://127.0.0.1:8080/v1",
    auth: "bearer",
    streamUsage: true,
    maxTokensField: "max_tokens",
  },
} as const satisfies Record<string, OpenAICompatiblePreset>;

/**
 * The default API roots of the types with an adapter of their own. Each is
 * the root that adapter appends its paths to: Anthropic's `/messages` and
 * Gemini's `/models/...` sit under a versioned root, Ollama's `/api/chat`
 * and TGI's `/generate` under the server itself. TGI's port is the one its
 * docs map the container's port 80 to (`docker run -p 8080:80`).
 */
export const NATIVE_BASE_URLS: Readonly<Record<string, string>> = {
  anthropic: "https://api.anthropic.com/v1",
  gemini: "https://generativelanguage.googleapis.com/v1beta",
  ollama: "http://127.0.0.1:11434",
  tgi: "http://127.0.0.1:8080",
};

/** The provider types served by the OpenAI-compatible adapter. */
export type OpenAICompatibleType = keyof typeof OPENAI_COMPATIBLE_PRESETS;

/** The defaults a provider ends up with once its preset (if any) is applied. */
export interface ProviderDefaults {
  readonly baseUrl: string | undefined;
  readonly streamUsage: boolean;
  readonly maxTokensField: MaxTokensField;
}

/**
 * The defaults for a provider of `type` whose config gives `baseUrl` (or
 * none). A type without a preset gets its native default base_url, if any,
 * and the plain defaults.
 */
export function providerDefaults(type: string, baseUrl: string | undefined): ProviderDefaults {
  const preset: OpenAICompatiblePreset | undefined = Object.hasOwn(OPENAI_COMPATIBLE_PRESETS, type)
    ? OPENAI_COMPATIBLE_PRESETS[type as OpenAICompatibleType]
    : undefined;
  const resolved =
    baseUrl ??
    preset?.baseUrl ??
    (Object.hasOwn(NATIVE_BASE_URLS, type) ? NATIVE_BASE_URLS[type] : undefined);
  const quirks =
    preset !== undefined && (!preset.quirksOnlyAtOwnHost || sameHost(resolved, preset.baseUrl))
      ? preset
      : undefined;
  return {
    baseUrl: resolved,
    streamUsage: quirks?.streamUsage ?? true,
    maxTokensField: quirks?.maxTokensField ?? "max_tokens",
  };
}

/** True for the OpenAI-compatible types, which share one adapter. */
export function isOpenAICompatible(type: string): type is OpenAICompatibleType {
  return Object.hasOwn(OPENAI_COMPATIBLE_PRESETS, type);
}

function sameHost(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  try {
    return new URL(a).host === new URL(b).host;
  } catch {
    return false;
  }
}
