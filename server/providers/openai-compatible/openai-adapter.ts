import type { ChatRequest, CompleteResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { EmbedRequest, EmbedResponse } from "../../../gen/llmgw/v1/embeddings_pb.js";
import type { ProviderConfig } from "../../config/schema.ts";
import type { DiscoveredModel, ProviderAdapter, UpstreamCall } from "../adapter.ts";
import { completionEvents } from "../completion-events.ts";
import type { EmbeddingAdapter } from "../embedding-adapter.ts";
import type { EventStream } from "../event-stream.ts";
import { PassthroughClient } from "../passthrough/passthrough-client.ts";
import type { MaxTokensField } from "../presets.ts";
import { UpstreamClient } from "../upstream-client.ts";
import { completionFromOpenAI } from "./openai-completion.ts";
import { embeddingsFromOpenAI, openAIEmbeddingsBody } from "./openai-embeddings.ts";
import { openAIRequestBody } from "./openai-request-body.ts";
import { OpenAIStreamMapper } from "./openai-stream.ts";

/**
 * The adapter for every server that speaks OpenAI's chat completions API:
 * OpenAI itself, vLLM, llama.cpp's server, LM Studio, Groq, Together and
 * Ollama's /v1. Embeddings go to their `/embeddings`.
 */
export class OpenAICompatibleAdapter implements ProviderAdapter, EmbeddingAdapter {
  readonly name: string;
  readonly #http: UpstreamClient;
  readonly passthrough: PassthroughClient;
  readonly #streamUsage: boolean;
  readonly #maxTokensField: MaxTokensField;

  constructor(config: ProviderConfig) {
    this.name = config.name;
    this.#streamUsage = config.stream_usage;
    this.#maxTokensField = config.max_tokens_field;
    this.#http = new UpstreamClient(
      config,
      config.api_key ? { authorization: `Bearer ${config.api_key}` } : {},
    );
    this.passthrough = new PassthroughClient(
      config,
      "openai",
      config.api_key ? { authorization: `Bearer ${config.api_key}` } : {},
    );
  }

  async complete(request: ChatRequest, model: string, call: UpstreamCall): Promise<CompleteResponse> {
    const body = openAIRequestBody(request, model, false, false, this.#maxTokensField);
    const text = await this.#http.postForText("/chat/completions", body, call);
    return completionFromOpenAI(this.name, text, request);
  }

  async stream(request: ChatRequest, model: string, call: UpstreamCall): Promise<EventStream> {
    const body = openAIRequestBody(request, model, true, this.#streamUsage, this.#maxTokensField);
    const response = await this.#http.post("/chat/completions", body, call);
    if (this.#http.isJson(response)) {
      return completionEvents(
        await completionFromOpenAI(this.name, await this.#http.text(response, call), request),
      );
    }
    return this.#http.events(response, call, new OpenAIStreamMapper(this.name, request));
  }

  async embed(request: EmbedRequest, model: string, call: UpstreamCall): Promise<EmbedResponse> {
    const text = await this.#http.postForText("/embeddings", openAIEmbeddingsBody(request, model), call);
    return embeddingsFromOpenAI(this.name, text, request);
  }

  async listModels(signal: AbortSignal): Promise<DiscoveredModel[]> {
    const parsed = (await this.#http.getJson("/models", signal)) as {
      data?: Array<{ id?: unknown; created?: unknown; owned_by?: unknown } & ListedContext>;
    } | null;
    return (parsed?.data ?? [])
      .filter((m) => typeof m.id === "string" && m.id !== "")
      .map((m) => {
        const contextWindow = listedContextWindow(m);
        return {
          id: m.id as string,
          created: typeof m.created === "number" ? m.created : 0,
          ownedBy: typeof m.owned_by === "string" ? m.owned_by : this.name,
          ...(contextWindow === undefined ? {} : { facts: { contextWindow } }),
        };
      });
  }

  async close(): Promise<void> {
    await Promise.all([this.#http.close(), this.passthrough.close()]);
  }
}

/** Where OpenAI-compatible model lists put the context window: vLLM's `max_model_len`, OpenRouter's and Together's `context_length`. */
interface ListedContext {
  max_model_len?: unknown;
  context_length?: unknown;
}

function listedContextWindow(model: ListedContext): number | undefined {
  const value = model.max_model_len ?? model.context_length;
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}
