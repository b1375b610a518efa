import type { ChatRequest, CompleteResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { EmbedRequest, EmbedResponse } from "../../../gen/llmgw/v1/embeddings_pb.js";
import type { ProviderConfig } from "../../config/schema.ts";
import type { DiscoveredModel, ProviderAdapter, UpstreamCall } from "../adapter.ts";
import { completionEvents } from "../completion-events.ts";
import type { EmbeddingAdapter } from "../embedding-adapter.ts";
import type { EventStream } from "../event-stream.ts";
import { UpstreamClient } from "../upstream-client.ts";
import { ndjsonFramer } from "./ndjson-framer.ts";
import { completionFromOllama, unixSeconds } from "./ollama-completion.ts";
import { embeddingsFromOllama, ollamaEmbedBody } from "./ollama-embeddings.ts";
import { ollamaRequestBody } from "./ollama-request-body.ts";
import { OllamaStreamMapper } from "./ollama-stream.ts";
import type { OllamaTags } from "./ollama-wire-types.ts";

/*
 * Follows Ollama's API reference: `POST {base}/api/chat` (NDJSON stream, or
 * one JSON object with `stream: false`), `POST {base}/api/embed` and `GET
 * {base}/api/tags` (`{models: [{name, model, modified_at, size, digest,
 * details}]}`). Errors
 * are `{"error": "..."}` with a 4xx/5xx status, 404 for a model that is not
 * pulled. Ollama itself has no authentication; an `api_key` is sent as a
 * bearer token for servers behind an authenticating proxy (and ollama.com).
 */

/**
 * The adapter for Ollama's native API (base_url e.g. http://127.0.0.1:11434,
 * without /v1), which reports eval counts, reasoning and whole tool calls that
 * its OpenAI-compatible /v1 does not always carry.
 */
export class OllamaAdapter implements ProviderAdapter, EmbeddingAdapter {
  readonly name: string;
  readonly #http: UpstreamClient;

  constructor(config: ProviderConfig) {
    this.name = config.name;
    this.#http = new UpstreamClient(
      config,
      config.api_key ? { authorization: `Bearer ${config.api_key}` } : {},
    );
  }

  async complete(request: ChatRequest, model: string, call: UpstreamCall): Promise<CompleteResponse> {
    const body = ollamaRequestBody(this.name, request, model, false);
    const text = await this.#http.postForText("/api/chat", body, call);
    return completionFromOllama(this.name, text, request);
  }

  async stream(request: ChatRequest, model: string, call: UpstreamCall): Promise<EventStream> {
    const body = ollamaRequestBody(this.name, request, model, true);
    const response = await this.#http.post("/api/chat", body, call);
    if (this.#http.isJson(response)) {
      return completionEvents(
        await completionFromOllama(this.name, await this.#http.text(response, call), request),
      );
    }
    return this.#http.events(response, call, new OllamaStreamMapper(this.name, request), ndjsonFramer);
  }

  async embed(request: EmbedRequest, model: string, call: UpstreamCall): Promise<EmbedResponse> {
    const text = await this.#http.postForText("/api/embed", ollamaEmbedBody(request, model), call);
    return embeddingsFromOllama(this.name, text, request, model);
  }

  async listModels(signal: AbortSignal): Promise<DiscoveredModel[]> {
    const parsed = (await this.#http.getJson("/api/tags", signal)) as OllamaTags | null;
    const models = Array.isArray(parsed?.models) ? parsed.models : [];
    const out: DiscoveredModel[] = [];
    for (const m of models) {
      const id = typeof m.name === "string" && m.name !== "" ? m.name : m.model;
      if (typeof id !== "string" || id === "") continue;
      out.push({
        id,
        created: m.modified_at === undefined ? 0 : unixSeconds(m.modified_at),
        ownedBy: "ollama",
      });
    }
    return out;
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}
