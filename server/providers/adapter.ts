import type { ChatRequest, CompleteResponse } from "../../gen/llmgw/v1/chat_pb.js";
import type { EventStream } from "./event-stream.ts";
import type { Passthrough } from "./passthrough/passthrough.ts";

/** What a provider needs to know about the call it serves. */
export interface UpstreamCall {
  /** Aborts the upstream request: the caller left or its deadline passed. */
  readonly signal: AbortSignal;
  /** The gateway's request id, forwarded as x-request-id. */
  readonly requestId: string;
  /** Told when a unary answer starts arriving, which stops the first-token clock. */
  responseStarted?(): void;
  /** Told just before the request goes to the upstream: the start of upstream time. */
  upstreamSent?(): void;
  /** Told when a unary answer's last byte has arrived (or the request failed): the end of upstream time. */
  upstreamEnded?(): void;
  /** The W3C `traceparent` naming this attempt's span, sent upstream while tracing is on. */
  readonly traceparent?: string | undefined;
}

/**
 * What an upstream's model list says about a model, when it says anything
 * (vLLM's `max_model_len`, OpenRouter's and Together's `context_length`).
 * The catalogue ranks these below config and above the built-in price table.
 */
export interface UpstreamModelFacts {
  readonly contextWindow?: number;
  readonly inputModalities?: readonly string[];
  readonly supportsTools?: boolean;
  readonly supportsJsonMode?: boolean;
  readonly supportsEmbeddings?: boolean;
}

/** A model an upstream reports in its model list. */
export interface DiscoveredModel {
  readonly id: string;
  readonly created: number;
  readonly ownedBy: string;
  /** Facts the upstream reported, if any. */
  readonly facts?: UpstreamModelFacts;
}

/**
 * One adapter per upstream API family. It translates the canonical request
 * into its wire format and the wire format back into canonical messages, and
 * maps upstream failures into GatewayErrors. It never knows which surface
 * called it.
 */
export interface ProviderAdapter {
  /** The provider's configured name. */
  readonly name: string;

  /** Runs a completion to the end. Rejects with a GatewayError. */
  complete(request: ChatRequest, model: string, call: UpstreamCall): Promise<CompleteResponse>;

  /**
   * Starts a streamed completion. Resolves once the upstream has accepted the
   * request (so errors before the first byte reject here, and surfaces can
   * still answer with an error status). The events end with one UsageReport,
   * whose token counts are estimated when the upstream reported none; its
   * gateway metadata is filled in by the core. The events are pushed to the
   * consumer's sink as the upstream's bytes arrive; errors mid-stream reach
   * it as `fail`, and cancelling the stream aborts the upstream request.
   */
  stream(request: ChatRequest, model: string, call: UpstreamCall): Promise<EventStream>;

  /** Lists the upstream's models. Rejects with a GatewayError when unreachable. */
  listModels(signal: AbortSignal): Promise<DiscoveredModel[]>;

  /**
   * Forwards pass-through requests of the adapter's API family unchanged;
   * absent for adapters that cannot (their upstream speaks no caller's API).
   */
  readonly passthrough?: Passthrough;

  /** Closes pooled connections. */
  close(): Promise<void>;
}
