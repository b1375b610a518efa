import type { ChatRequest, CompleteResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { ProviderConfig } from "../../config/schema.ts";
import type { DiscoveredModel, ProviderAdapter, UpstreamCall } from "../adapter.ts";
import type { EventStream } from "../event-stream.ts";
import { UpstreamClient } from "../upstream-client.ts";
import { type ChatTemplateName, DEFAULT_CHAT_TEMPLATE } from "./chat-templates.ts";
import { completionFromTgi } from "./tgi-completion.ts";
import { tgiRequestBody } from "./tgi-request-body.ts";
import { TgiStreamMapper } from "./tgi-stream.ts";
import type { TgiInfo } from "./tgi-wire-types.ts";

/*
 * Follows Hugging Face text-generation-inference's native API:
 * `POST {base}/generate`, `POST {base}/generate_stream` (SSE) and
 * `GET {base}/info` (`{model_id, max_input_tokens, max_total_tokens, …}`);
 * errors are `{error, error_type}` with 422 for validation, 429 when the
 * queue is full ("overloaded") and 424 when generation failed. One TGI
 * server serves one model, so the routed model name is not sent.
 */

/**
 * The adapter for TGI's native API (base_url e.g. http://127.0.0.1:8080,
 * without /v1). It renders the chat with the provider's `chat_template`.
 * For tools or images, point a `type: openai` provider at `{base}/v1`.
 */
export class TgiAdapter implements ProviderAdapter {
  readonly name: string;
  readonly #http: UpstreamClient;
  readonly #baseUrl: string;
  readonly #template: ChatTemplateName;

  constructor(config: ProviderConfig) {
    this.name = config.name;
    this.#baseUrl = config.base_url;
    this.#template = config.chat_template ?? DEFAULT_CHAT_TEMPLATE;
    this.#http = new UpstreamClient(
      config,
      config.api_key ? { authorization: `Bearer ${config.api_key}` } : {},
    );
  }

  async complete(request: ChatRequest, _model: string, call: UpstreamCall): Promise<CompleteResponse> {
    const body = tgiRequestBody(this.name, this.#baseUrl, this.#template, request);
    const text = await this.#http.postForText("/generate", body.json, call);
    return completionFromTgi(this.name, text, request, body.stops);
  }

  async stream(request: ChatRequest, _model: string, call: UpstreamCall): Promise<EventStream> {
    const body = tgiRequestBody(this.name, this.#baseUrl, this.#template, request);
    const response = await this.#http.post("/generate_stream", body.json, call);
    return this.#http.events(response, call, new TgiStreamMapper(this.name, request, body.stops));
  }

  async listModels(signal: AbortSignal): Promise<DiscoveredModel[]> {
    const info = (await this.#http.getJson("/info", signal)) as TgiInfo | null;
    const id = info?.model_id;
    return typeof id === "string" && id !== "" ? [{ id, created: 0, ownedBy: this.name }] : [];
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}
