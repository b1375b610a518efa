import type { ProviderConfig } from "../config/schema.ts";
import type { ProviderAdapter } from "./adapter.ts";
import { AnthropicAdapter } from "./anthropic/anthropic-adapter.ts";
import { OpenAICompatibleAdapter } from "./openai-compatible/openai-adapter.ts";

/** Builds the adapter for a configured provider, by its type. */
export function createAdapter(config: ProviderConfig): ProviderAdapter {
  switch (config.type) {
    case "openai":
      return new OpenAICompatibleAdapter(config);
    case "anthropic":
      return new AnthropicAdapter(config);
  }
}
