import { Pool } from "undici";
import type { ProviderConfig } from "../config/schema.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type { UpstreamCall } from "./adapter.ts";
import type { BodyLimits } from "./body-limits.ts";
import { dispatchStream, type StreamAnswer } from "./dispatch-stream.ts";
import { dispatchText, type TextAnswer } from "./dispatch-text.ts";
import type { EventStream, StreamMapper } from "./event-stream.ts";
import type { FramerFactory } from "./framer.ts";
import { sseFramer } from "./sse-framer.ts";
import { upstreamHttpError, upstreamNetworkError } from "./upstream-error.ts";
import { UpstreamEvents } from "./upstream-events.ts";

/** The most of an upstream error body we read, so a hostile upstream cannot balloon memory. */
const ERROR_BODY_LIMIT = 64 * 1024;

export type UpstreamResponse = StreamAnswer;

/** Maps a non-2xx answer to a GatewayError; adapters whose upstream says more in the body pass their own. */
export type HttpErrorMapper = (
  provider: string,
  status: number,
  body: string,
  retryAfter: string | undefined,
) => GatewayError;

/**
 * The HTTP side every adapter shares: one keep-alive undici pool per
 * provider, the provider's headers, and the mapping of every way a call can
 * fail (refused, timed out, non-2xx, dropped mid-stream, cancelled by our
 * caller) into a GatewayError, and the provider's caps on the size of an
 * answer (`max_response_bytes`) and of one stream event (`max_event_bytes`),
 * which every adapter gets here rather than each its own. Adapters keep only
 * their wire translation.
 */
export class UpstreamClient {
  readonly provider: string;
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;
  readonly #httpError: HttpErrorMapper;
  readonly #limits: BodyLimits;

  constructor(
    config: ProviderConfig,
    headers: Record<string, string>,
    httpError: HttpErrorMapper = upstreamHttpError,
  ) {
    this.#httpError = httpError;
    const url = new URL(config.base_url);
    this.provider = config.name;
    this.#limits = {
      provider: config.name,
      responseBytes: config.max_response_bytes,
      eventBytes: config.max_event_bytes,
    };
    this.#basePath = url.pathname.replace(/\/+$/, "");
    this.#pool = new Pool(url.origin, {
      connections: config.connections,
      connectTimeout: config.connect_timeout_ms,
      headersTimeout: config.timeout_ms,
      bodyTimeout: config.timeout_ms,
      keepAliveTimeout: 30_000,
    });
    this.#headers = { "content-type": "application/json", ...headers, ...config.headers };
  }

  /**
   * POSTs a JSON body and resolves once a 2xx answer's headers arrive, its
   * body still streaming (streamed completions). Rejects with a mapped GatewayError.
   */
  async post(path: string, body: string, call: UpstreamCall): Promise<UpstreamResponse> {
    let response: UpstreamResponse;
    call.upstreamSent?.();
    try {
      response = await dispatchStream(
        this.#pool,
        { method: "POST", path: this.#basePath + path, headers: this.#requestHeaders(call), body },
        call.signal,
        this.#limits,
      );
    } catch (error) {
      throw upstreamNetworkError(this.provider, error, call.signal);
    }
    if (response.statusCode >= 300) {
      const text = await response.body.text(ERROR_BODY_LIMIT).catch(() => "");
      const retryAfter = response.headers["retry-after"];
      throw this.#httpError(
        this.provider,
        response.statusCode,
        text,
        typeof retryAfter === "string" ? retryAfter : undefined,
      );
    }
    return response;
  }

  /**
   * POSTs a JSON body and reads the whole answer (unary calls). Resolves with
   * the body of a 2xx answer, rejects with a mapped GatewayError.
   */
  async postForText(path: string, body: string, call: UpstreamCall): Promise<string> {
    let answer: TextAnswer;
    call.upstreamSent?.();
    try {
      answer = await dispatchText(
        this.#pool,
        { method: "POST", path: this.#basePath + path, headers: this.#requestHeaders(call), body },
        call.signal,
        ERROR_BODY_LIMIT,
        this.#limits,
        call,
      );
    } catch (error) {
      throw upstreamNetworkError(this.provider, error, call.signal);
    } finally {
      call.upstreamEnded?.();
    }
    if (answer.statusCode >= 300) {
      const retryAfter = answer.headers["retry-after"];
      throw this.#httpError(
        this.provider,
        answer.statusCode,
        answer.text.slice(0, ERROR_BODY_LIMIT),
        typeof retryAfter === "string" ? retryAfter : undefined,
      );
    }
    return answer.text;
  }

  /** GETs and parses a JSON document (model lists), capped like any answer. */
  async getJson(path: string, signal: AbortSignal): Promise<unknown> {
    let answer: TextAnswer;
    try {
      answer = await dispatchText(
        this.#pool,
        { method: "GET", path: this.#basePath + path, headers: this.#headers },
        signal,
        ERROR_BODY_LIMIT,
        this.#limits,
      );
    } catch (error) {
      throw upstreamNetworkError(this.provider, error, signal);
    }
    if (answer.statusCode >= 300) {
      const retryAfter = answer.headers["retry-after"];
      const header = typeof retryAfter === "string" ? retryAfter : undefined;
      throw this.#httpError(this.provider, answer.statusCode, answer.text.slice(0, ERROR_BODY_LIMIT), header);
    }
    try {
      return JSON.parse(answer.text);
    } catch {
      throw new GatewayError(
        "upstream_error",
        `upstream ${this.provider} answered ${path} with invalid JSON`,
        {
          provider: this.provider,
        },
      );
    }
  }

  /** Reads a whole 2xx response body (a stream request answered with JSON), capped, mapping a drop or cancel. */
  async text(response: UpstreamResponse, call: UpstreamCall): Promise<string> {
    try {
      return await response.body.text(Number.POSITIVE_INFINITY, true);
    } catch (error) {
      throw upstreamNetworkError(this.provider, error, call.signal);
    }
  }

  /** True when an upstream answered a streaming request with one JSON body (some servers ignore `stream`). */
  isJson(response: UpstreamResponse): boolean {
    return String(response.headers["content-type"] ?? "").includes("application/json");
  }

  /**
   * A streamed 2xx answer as canonical events: its body framed (SSE unless
   * told otherwise) and translated by the adapter's mapper as each chunk
   * arrives, errors mid-stream mapped, and the upstream stopped when the
   * consumer leaves.
   */
  events(
    response: UpstreamResponse,
    call: UpstreamCall,
    mapper: StreamMapper,
    framing: FramerFactory = sseFramer,
  ): EventStream {
    return new UpstreamEvents(this.provider, response.body, call, mapper, framing);
  }

  /**
   * The provider's headers, plus our request id so upstream logs can be
   * matched to ours, and the attempt's `traceparent` while tracing is on.
   */
  #requestHeaders(call: UpstreamCall): Record<string, string> {
    const traceparent = call.traceparent;
    if (traceparent !== undefined) return { ...this.#headers, "x-request-id": call.requestId, traceparent };
    return call.requestId ? { ...this.#headers, "x-request-id": call.requestId } : this.#headers;
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}
