import type { Readable } from "node:stream";
import { Pool } from "undici";
import type { ChatRequest, CompleteResponse, StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { ProviderConfig } from "../../config/schema.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { DiscoveredModel, ProviderAdapter, UpstreamCall } from "../adapter.ts";
import { completionEvents } from "../completion-events.ts";
import { upstreamHttpError, upstreamNetworkError } from "../upstream-error.ts";
import { completionFromOpenAI } from "./openai-completion.ts";
import { openAIRequestBody } from "./openai-request-body.ts";
import { openAIStreamEvents } from "./openai-stream.ts";

/** The most of an upstream error body we read, so a hostile upstream cannot balloon memory. */
const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * The adapter for every server that speaks OpenAI's chat completions API:
 * OpenAI itself, vLLM, llama.cpp's server, LM Studio, Groq, Together and
 * Ollama's /v1. One keep-alive undici pool per provider.
 */
export class OpenAICompatibleAdapter implements ProviderAdapter {
  readonly name: string;
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;
  readonly #config: ProviderConfig;

  constructor(config: ProviderConfig) {
    const url = new URL(config.base_url);
    this.name = config.name;
    this.#config = config;
    this.#basePath = url.pathname.replace(/\/+$/, "");
    this.#pool = new Pool(url.origin, {
      connections: config.connections,
      connectTimeout: config.connect_timeout_ms,
      headersTimeout: config.timeout_ms,
      bodyTimeout: config.timeout_ms,
      keepAliveTimeout: 30_000,
    });
    this.#headers = {
      "content-type": "application/json",
      ...config.headers,
      ...(config.api_key ? { authorization: `Bearer ${config.api_key}` } : {}),
    };
  }

  async complete(request: ChatRequest, model: string, call: UpstreamCall): Promise<CompleteResponse> {
    const body = openAIRequestBody(request, model, false, false);
    const response = await this.#post("/chat/completions", body, call);
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw upstreamNetworkError(this.name, error, call.signal);
    }
    return completionFromOpenAI(this.name, text, request);
  }

  async stream(
    request: ChatRequest,
    model: string,
    call: UpstreamCall,
  ): Promise<AsyncIterable<StreamResponse>> {
    const body = openAIRequestBody(request, model, true, this.#config.stream_usage);
    const response = await this.#post("/chat/completions", body, call);
    const type = String(response.headers["content-type"] ?? "");
    if (type.includes("application/json")) {
      // Some servers ignore `stream: true`; answer as a stream all the same.
      const completion = await completionFromOpenAI(this.name, await response.body.text(), request);
      return completionEvents(completion);
    }
    return this.#guarded(openAIStreamEvents(this.name, response.body, request), response.body, call);
  }

  async listModels(signal: AbortSignal): Promise<DiscoveredModel[]> {
    const call = { signal, requestId: "" };
    let response: Awaited<ReturnType<Pool["request"]>>;
    try {
      response = await this.#pool.request({
        method: "GET",
        path: `${this.#basePath}/models`,
        headers: this.#headers,
        signal,
      });
    } catch (error) {
      throw upstreamNetworkError(this.name, error, call.signal);
    }
    const text = await response.body.text();
    if (response.statusCode >= 400) throw upstreamHttpError(this.name, response.statusCode, text);
    try {
      const parsed = JSON.parse(text) as {
        data?: Array<{ id?: unknown; created?: unknown; owned_by?: unknown }>;
      };
      return (parsed.data ?? [])
        .filter((m) => typeof m.id === "string" && m.id !== "")
        .map((m) => ({
          id: m.id as string,
          created: typeof m.created === "number" ? m.created : 0,
          ownedBy: typeof m.owned_by === "string" ? m.owned_by : this.name,
        }));
    } catch {
      throw new GatewayError("upstream_error", `upstream ${this.name} answered /models with invalid JSON`, {
        provider: this.name,
      });
    }
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  async #post(path: string, body: string, call: UpstreamCall) {
    let response: Awaited<ReturnType<Pool["request"]>>;
    try {
      response = await this.#pool.request({
        method: "POST",
        path: this.#basePath + path,
        headers: call.requestId ? { ...this.#headers, "x-request-id": call.requestId } : this.#headers,
        body,
        signal: call.signal,
      });
    } catch (error) {
      throw upstreamNetworkError(this.name, error, call.signal);
    }
    if (response.statusCode >= 300) {
      const text = await readLimited(response.body, ERROR_BODY_LIMIT).catch(() => "");
      const retryAfter = response.headers["retry-after"];
      throw upstreamHttpError(
        this.name,
        response.statusCode,
        text,
        typeof retryAfter === "string" ? retryAfter : undefined,
      );
    }
    return response;
  }

  /** Maps errors thrown mid-stream, and destroys the upstream body if the consumer stops early. */
  async *#guarded(events: AsyncGenerator<StreamResponse>, body: Readable, call: UpstreamCall) {
    try {
      yield* events;
    } catch (error) {
      throw upstreamNetworkError(this.name, error, call.signal);
    } finally {
      if (!body.readableEnded) body.destroy();
    }
  }
}

async function readLimited(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, limit);
}
