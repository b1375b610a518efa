import { z } from "zod";

/**
 * The `overload` section: the gateway sheds load at once, with a 503 and
 * `Retry-After`, instead of queueing callers until they time out. Each limit
 * is checked before any work on a request (Envoy's overload manager watches
 * the same three signals). 0 turns a count or delay
 * limit off, and a `max_heap_ratio` of 1 the heap one.
 *
 * ```yaml
 * overload: { max_in_flight: 1200, max_connections: 4000, max_event_loop_delay_ms: 200 }
 * ```
 */
export const overloadSchema = z
  .object({
    enabled: z.boolean().default(true).describe("false leaves the guard out of the request path"),
    max_connections: z
      .number()
      .int()
      .nonnegative()
      .default(10_000)
      .describe("open client connections; a connection over it gets a 503 (HTTP/1.1) or is closed"),
    max_in_flight: z
      .number()
      .int()
      .nonnegative()
      .default(4_096)
      .describe("requests being served at once (streams included); one more gets a 503"),
    max_event_loop_delay_ms: z
      .number()
      .int()
      .nonnegative()
      .default(250)
      .describe("mean event-loop delay, over two samples in a row, past which new requests get a 503"),
    max_heap_ratio: z
      .number()
      .positive()
      .max(1)
      .default(0.9)
      .describe(
        "the old generation's use over its limit (--max-old-space-size) past which new requests get a 503 (1 is no limit)",
      ),
    max_rss_bytes: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe("resident memory past which new requests get a 503 (0 is no limit)"),
    sample_interval_ms: z
      .number()
      .int()
      .positive()
      .default(500)
      .describe("how often the event-loop delay and memory are read"),
    retry_after_s: z.number().int().positive().default(1).describe("the Retry-After a shed request gets"),
  })
  .strict();

export type OverloadConfig = z.infer<typeof overloadSchema>;
