import { Pool } from "undici";
import type { ProviderConfig } from "../../config/schema.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { UpstreamCall } from "../adapter.ts";
import type { BodyLimits } from "../body-limits.ts";
import { dispatchStream, type StreamAnswer } from "../dispatch-stream.ts";
import { upstreamNetworkError } from "../upstream-error.ts";
import type { Passthrough, RawResponse } from "./passthrough.ts";
import { callerResponseHeaders, upstreamRequestHeaders } from "./passthrough-headers.ts";
import { PRIVATE_UPSTREAM, publicOnlyLookup } from "./private-address.ts";
import type { PassthroughApi, RawRequest } from "./raw-request.ts";

/** A base_url's trailing API version (`/v1`, `/v1beta`), which the caller's own path carries instead. */
const VERSION_SEGMENT = /\/v\d+[a-z0-9]*\/*$/i;

/**
 * The HTTP side of an adapter's pass-through ability. The upstream is the
 * provider's configured origin, never anything from the request; the
 * caller's path (`/v1/messages`) goes under the base_url's root without its
 * version (`https://api.groq.com/openai/v1` → `/openai`), and redirects are
 * answered to the caller as they are, never followed (undici's dispatch does
 * not follow them). Its connections are its own, apart from the adapter's:
 * one pool that may reach private addresses and one that may not (see
 * private-address.ts), each made on first use.
 */
export class PassthroughClient implements Passthrough {
  readonly api: PassthroughApi;
  readonly #config: ProviderConfig;
  readonly #origin: string;
  readonly #root: string;
  readonly #defaults: Readonly<Record<string, string>>;
  readonly #credential: Readonly<Record<string, string>>;
  readonly #limits: BodyLimits;
  #open: Pool | undefined;
  #publicOnly: Pool | undefined;

  /**
   * @param credential the provider's key as its API wants it (`x-api-key`, `authorization`, `x-goog-api-key`)
   * @param defaults headers sent when the caller sends none of that name (`anthropic-version`)
   */
  constructor(
    config: ProviderConfig,
    api: PassthroughApi,
    credential: Readonly<Record<string, string>>,
    defaults: Readonly<Record<string, string>> = {},
  ) {
    const url = new URL(config.base_url);
    this.api = api;
    this.#config = config;
    this.#origin = url.origin;
    this.#root = url.pathname.replace(VERSION_SEGMENT, "").replace(/\/+$/, "");
    this.#credential = credential;
    this.#defaults = defaults;
    this.#limits = {
      provider: config.name,
      responseBytes: config.max_response_bytes,
      eventBytes: config.max_event_bytes,
    };
  }

  async forward(raw: RawRequest, call: UpstreamCall): Promise<RawResponse> {
    const provider = this.#config.name;
    const headers = upstreamRequestHeaders(
      raw.headers,
      this.#defaults,
      this.#config.headers,
      raw.callerKey ? undefined : this.#credential,
      call.requestId,
    );
    // While tracing is on, the attempt's span is the upstream's parent, over the caller's own header.
    if (call.traceparent !== undefined) headers.traceparent = call.traceparent;
    let answer: StreamAnswer;
    call.upstreamSent?.();
    try {
      answer = await dispatchStream(
        this.#pool(raw.allowPrivate),
        { method: raw.method, path: this.#root + raw.path, headers, body: raw.body ?? null },
        call.signal,
        this.#limits,
      );
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === PRIVATE_UPSTREAM) {
        throw new GatewayError(
          "upstream_unavailable",
          `provider ${provider}'s upstream is refused for pass-through: ${(error as Error).message}; set allow_private on the route to allow it`,
          { provider, retryable: false, cause: error },
        );
      }
      throw upstreamNetworkError(provider, error, call.signal);
    }
    return { status: answer.statusCode, headers: callerResponseHeaders(answer.headers), body: answer.body };
  }

  #pool(allowPrivate: boolean): Pool {
    if (allowPrivate) {
      this.#open ??= this.#newPool(false);
      return this.#open;
    }
    this.#publicOnly ??= this.#newPool(true);
    return this.#publicOnly;
  }

  #newPool(publicOnly: boolean): Pool {
    const config = this.#config;
    return new Pool(this.#origin, {
      connections: config.connections,
      connect: publicOnly
        ? { timeout: config.connect_timeout_ms, lookup: publicOnlyLookup }
        : { timeout: config.connect_timeout_ms },
      headersTimeout: config.timeout_ms,
      bodyTimeout: config.timeout_ms,
      keepAliveTimeout: 30_000,
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.#open?.close(), this.#publicOnly?.close()]);
  }
}
