import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import type { GatewayError } from "../../errors/gateway-error.ts";
import type { UpstreamCall } from "../adapter.ts";
import type { UpstreamBody } from "../dispatch-stream.ts";
import type { PassthroughApi, RawRequest } from "./raw-request.ts";

/** Where a pass-through answer's bytes are pushed, unchanged, as they arrive. */
export interface ByteSink {
  chunk(bytes: Buffer): void;
  /** The body ended; nothing follows. */
  end(): void;
  /** The body failed mid-way (a drop, a timeout, the caller's deadline); nothing follows. */
  fail(error: GatewayError): void;
}

/**
 * A pass-through answer's body, pushed to one sink. Flow control runs the
 * other way, as for event streams: `pause` stops reading the upstream socket.
 */
export interface ByteStream {
  /** Starts the flow; call once. */
  start(sink: ByteSink): void;
  pause(): void;
  resume(): void;
  /** The consumer has gone: stop the upstream at once. The sink hears nothing more. */
  cancel(reason: Error): void;
}

/** A pass-through body that also reads the usage the upstream reports as it passes. */
export interface RawBody extends ByteStream {
  /** The usage seen in the bytes so far; undefined when the upstream reported none. */
  readonly usage: TokenUsage | undefined;
}

/** An upstream's answer to a pass-through request, its body still arriving. */
export interface RawResponse {
  readonly status: number;
  /** The upstream's headers that the caller may see (see passthrough-headers.ts). */
  readonly headers: Record<string, string | string[]>;
  readonly body: UpstreamBody;
}

/**
 * The optional pass-through ability of an adapter: forwarding a caller's
 * request of the same API family byte for byte, with the provider's
 * credential in place of the caller's gateway key. Adapters without it
 * (Ollama, TGI) never serve a pass-through call.
 */
export interface Passthrough {
  readonly api: PassthroughApi;
  /** Sends the request; resolves when the upstream's headers arrive, whatever their status. Rejects with a GatewayError. */
  forward(raw: RawRequest, call: UpstreamCall): Promise<RawResponse>;
  close(): Promise<void>;
}
