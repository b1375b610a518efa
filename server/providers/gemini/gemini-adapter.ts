import type { ChatRequest, CompleteResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { EmbedRequest, EmbedResponse } from "../../../gen/llmgw/v1/embeddings_pb.js";
import type { ProviderConfig } from "../../config/schema.ts";
import { invalidRequest } from "../../errors/gateway-error.ts";
import type { DiscoveredModel, ProviderAdapter, UpstreamCall } from "../adapter.ts";
import { completionEvents } from "../completion-events.ts";
import type { EmbeddingAdapter } from "../embedding-adapter.ts";
import type { EventStream } from "../event-stream.ts";
import { PassthroughClient } from "../passthrough/passthrough-client.ts";
import { UpstreamClient } from "../upstream-client.ts";
import { completionFromGemini } from "./gemini-completion.ts";
import { embeddingsFromGemini, geminiEmbedBodies } from "./gemini-embeddings.ts";
import { geminiHttpError } from "./gemini-error.ts";
import { geminiRequestBody } from "./gemini-request-body.ts";
import { GeminiStreamMapper } from "./gemini-stream.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api): `POST
 * {base}/models/{model}:generateContent`, `POST
 * {base}/models/{model}:streamGenerateContent?alt=sse` (without `alt=sse` it
 * answers one JSON array), `POST {base}/models/{model}:batchEmbedContents`
 * and `GET {base}/models?pageSize=&pageToken=` (a page of `{models: [{name:
 * "models/x", ...}], nextPageToken}`), all authenticated with the
 * `x-goog-api-key` header.
 */

/** The most model-list pages read, so a looping page token cannot hang start-up. */
const MAX_MODEL_PAGES = 20;

/**
 * The adapter for Google's Gemini API (base_url e.g.
 * https://generativelanguage.googleapis.com/v1beta).
 */
export class GeminiAdapter implements ProviderAdapter, EmbeddingAdapter {
  readonly name: string;
  readonly #http: UpstreamClient;
  readonly passthrough: PassthroughClient;

  constructor(config: ProviderConfig) {
    this.name = config.name;
    this.#http = new UpstreamClient(
      config,
      config.api_key ? { "x-goog-api-key": config.api_key } : {},
      geminiHttpError,
    );
    this.passthrough = new PassthroughClient(
      config,
      "gemini",
      config.api_key ? { "x-goog-api-key": config.api_key } : {},
    );
  }

  async complete(request: ChatRequest, model: string, call: UpstreamCall): Promise<CompleteResponse> {
    const body = geminiRequestBody(this.name, request);
    const text = await this.#http.postForText(`${modelPath(model)}:generateContent`, body, call);
    return completionFromGemini(this.name, text, request, model);
  }

  async stream(request: ChatRequest, model: string, call: UpstreamCall): Promise<EventStream> {
    const body = geminiRequestBody(this.name, request);
    const response = await this.#http.post(`${modelPath(model)}:streamGenerateContent?alt=sse`, body, call);
    if (this.#http.isJson(response)) {
      const text = await this.#http.text(response, call);
      return completionEvents(await completionFromGemini(this.name, text, request, model));
    }
    return this.#http.events(response, call, new GeminiStreamMapper(this.name, request));
  }

  /** Batches over Gemini's 100-input limit go one after another, so a failure costs no orphaned calls. */
  async embed(request: EmbedRequest, model: string, call: UpstreamCall): Promise<EmbedResponse> {
    const answers: string[] = [];
    for (const body of geminiEmbedBodies(request, model)) {
      answers.push(await this.#http.postForText(`${modelPath(model)}:batchEmbedContents`, body, call));
    }
    return embeddingsFromGemini(this.name, answers, request, model);
  }

  async listModels(signal: AbortSignal): Promise<DiscoveredModel[]> {
    const models: DiscoveredModel[] = [];
    let token = "";
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const query = `?pageSize=1000${token ? `&pageToken=${encodeURIComponent(token)}` : ""}`;
      const parsed = (await this.#http.getJson(`/models${query}`, signal)) as {
        models?: Array<{ name?: unknown }>;
        nextPageToken?: unknown;
      } | null;
      for (const m of parsed?.models ?? []) {
        if (typeof m.name !== "string" || m.name === "") continue;
        models.push({ id: m.name.replace(/^models\//, ""), created: 0, ownedBy: "google" });
      }
      token = typeof parsed?.nextPageToken === "string" ? parsed.nextPageToken : "";
      if (!token) break;
    }
    return models;
  }

  async close(): Promise<void> {
    await Promise.all([this.#http.close(), this.passthrough.close()]);
  }
}

/**
 * `/models/{model}`, or the model's own resource path when it names one
 * (`tunedModels/x`). A name with an empty, `.` or `..` segment is refused:
 * whichever surface it came from, it must not walk the upstream's URL space
 * (`gem:../../x` would have reached `/v1beta/../../x` with the gateway's key).
 */
export function modelPath(model: string): string {
  const resource = model.includes("/") ? model : `models/${model}`;
  const segments = resource.split("/");
  const bad = segments.find((segment) => segment === "" || segment === "." || segment === "..");
  if (bad !== undefined) {
    throw invalidRequest(`the model name has an empty or relative segment ("${bad}")`, "model");
  }
  return `/${segments.map(encodeURIComponent).join("/")}`;
}
