import type { ProviderConfig } from "../config/schema.ts";
import type { ProviderAdapter } from "./adapter.ts";
import { AnthropicAdapter } from "./anthropic/anthropic-adapter.ts";
import { GeminiAdapter } from "./gemini/gemini-adapter.ts";
import { OllamaAdapter } from "./ollama/ollama-adapter.ts";
import { OpenAICompatibleAdapter } from "./openai-compatible/openai-adapter.ts";
import { TgiAdapter } from "./tgi/tgi-adapter.ts";

/** Builds the adapter for a configured provider, by its type. */
export function createAdapter(config: ProviderConfig): ProviderAdapter {
  switch (config.type) {
    case "openai":
    case "vllm":
    case "groq":
    case "together":
    case "openrouter":
    case "lmstudio":
    case "llamacpp":
      return new OpenAICompatibleAdapter(config);
    case "anthropic":
      return new AnthropicAdapter(config);
    case "gemini":
      return new GeminiAdapter(config);
    case "ollama":
      return new OllamaAdapter(config);
    case "tgi":
      return new TgiAdapter(config);
  }
}
