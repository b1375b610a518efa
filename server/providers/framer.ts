import type { BodyLimits } from "./body-limits.ts";

/**
 * Cuts a streamed body into payloads (SSE `data`, NDJSON lines) as its
 * chunks are pushed in, calling `deliver` for each one synchronously. A
 * payload over the provider's `max_event_bytes` throws
 * `upstream_response_too_large` from `feed`; so does whatever `deliver` throws.
 */
export interface Framer {
  /** One chunk of the body, cut anywhere (mid-line, mid-UTF-8 sequence). */
  feed(bytes: Uint8Array): void;
  /** The body ended: delivers what a last unterminated line still holds, where the format allows it. */
  end(): void;
}

/** Makes the framer for one body; `limits` is undefined only for bodies made up in unit tests. */
export type FramerFactory = (limits: BodyLimits | undefined, deliver: (payload: string) => void) => Framer;

/** `decode` options for text that continues in the next chunk, allocated once. */
export const STREAMING = { stream: true } as const;
