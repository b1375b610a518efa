import type { ChatRequest, CompleteResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { ProviderConfig } from "../../config/schema.ts";
import type { DiscoveredModel, ProviderAdapter, UpstreamCall } from "../adapter.ts";
import { completionEvents } from "../completion-events.ts";
import type { EventStream } from "../event-stream.ts";
import { PassthroughClient } from "../passthrough/passthrough-client.ts";
import { UpstreamClient } from "../upstream-client.ts";
import { completionFromAnthropic } from "./anthropic-completion.ts";
import { anthropicRequestBody } from "./anthropic-request-body.ts";
import { AnthropicStreamMapper } from "./anthropic-stream.ts";

/*
 * Follows the Anthropic API as documented: `POST {base}/messages` and
 * `GET {base}/models?limit=` (a page of `{id, display_name, created_at}`),
 * authenticated with `x-api-key` and versioned with `anthropic-version`
 * (2023-06-01); errors are `{type:"error", error:{type, message}}` with 429
 * for rate limits and 529 for `overloaded_error`.
 */

/** The API version the adapter's translation follows; a provider's `headers` may override it. */
const ANTHROPIC_VERSION = "2023-06-01";
/**
 * The adapter for Anthropic's Messages API (base_url e.g.
 * https://api.anthropic.com/v1).
 */
export class AnthropicAdapter implements ProviderAdapter {
  readonly name: string;
  readonly #http: UpstreamClient;
  readonly passthrough: PassthroughClient;

  constructor(config: ProviderConfig) {
    this.name = config.name;
    this.#http = new UpstreamClient(config, {
      "anthropic-version": ANTHROPIC_VERSION,
      ...(config.api_key ? { "x-api-key": config.api_key } : {}),
    });
    this.passthrough = new PassthroughClient(
      config,
      "anthropic",
      config.api_key ? { "x-api-key": config.api_key } : {},
      { "anthropic-version": ANTHROPIC_VERSION },
    );
  }

  async complete(request: ChatRequest, model: string, call: UpstreamCall): Promise<CompleteResponse> {
    const body = anthropicRequestBody(this.name, request, model, false);
    const text = await this.#http.postForText("/messages", body, call);
    return completionFromAnthropic(this.name, text, request);
  }

  async stream(request: ChatRequest, model: string, call: UpstreamCall): Promise<EventStream> {
    const body = anthropicRequestBody(this.name, request, model, true);
    const response = await this.#http.post("/messages", body, call);
    if (this.#http.isJson(response)) {
      return completionEvents(
        await completionFromAnthropic(this.name, await this.#http.text(response, call), request),
      );
    }
    return this.#http.events(response, call, new AnthropicStreamMapper(this.name, request));
  }

  async listModels(signal: AbortSignal): Promise<DiscoveredModel[]> {
    const parsed = (await this.#http.getJson("/models?limit=1000", signal)) as {
      data?: Array<{ id?: unknown; created_at?: unknown }>;
    } | null;
    return (parsed?.data ?? [])
      .filter((m) => typeof m.id === "string" && m.id !== "")
      .map((m) => ({ id: m.id as string, created: unixSeconds(m.created_at), ownedBy: "anthropic" }));
  }

  async close(): Promise<void> {
    await Promise.all([this.#http.close(), this.passthrough.close()]);
  }
}

/** Anthropic's RFC 3339 `created_at` to Unix seconds (0 when absent or unreadable). */
function unixSeconds(value: unknown): number {
  const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}
