import type { CompleteResponse } from "../../gen/llmgw/v1/chat_pb.js";
import type { EmbedResponse } from "../../gen/llmgw/v1/embeddings_pb.js";
import type { GatewayError } from "../errors/gateway-error.ts";
import type { EventStream } from "../providers/event-stream.ts";
import type { RawBody } from "../providers/passthrough/passthrough.ts";
import type { Deployment } from "../routing/deployment.ts";
import type { Call } from "./call.ts";

/** What the pipeline hands back to a surface to render. */
export type Answer =
  | { readonly kind: "complete"; readonly response: CompleteResponse }
  | { readonly kind: "embed"; readonly response: EmbedResponse }
  | {
      readonly kind: "stream";
      /** Pushed to the surface's sink (REST writes each flush; RPC adapts it to an iterable at its edge). */
      readonly events: EventStream;
    }
  | {
      /** A pass-through answer: the upstream's status, allowed headers and bytes, unchanged. */
      readonly kind: "raw";
      readonly status: number;
      readonly headers: Record<string, string | string[]>;
      readonly body: RawBody;
      /**
       * The upstream's non-2xx status as the gateway's error, for accounting
       * (the caller gets the upstream's own bytes); undefined for a 2xx.
       */
      readonly error: GatewayError | undefined;
    };

/** The rest of the pipeline, as a policy sees it. */
export type Next = (call: Call) => Promise<Answer>;

/**
 * A policy wraps the rest of the pipeline once per request. It may look at
 * or fill in the call, short-circuit by returning an Answer or throwing a
 * GatewayError, and register end hooks; it never wraps the event stream.
 */
export type Policy = (next: Next) => Next;

/** One upstream attempt on one deployment. */
export type Attempt = (call: Call, deployment: Deployment) => Promise<Answer>;

/** Wraps every upstream attempt (queue, breaker, retry), as Envoy's upstream filters do. */
export type AttemptPolicy = (next: Attempt) => Attempt;

/**
 * Composes policies around a terminal, the first outermost. It runs once at
 * start-up: a policy that is switched off is left out of the list (`undefined`
 * entries are skipped), so it costs nothing per request.
 */
export function compose<T>(wrappers: ReadonlyArray<((next: T) => T) | undefined>, terminal: T): T {
  let next = terminal;
  for (let i = wrappers.length - 1; i >= 0; i--) {
    const wrap = wrappers[i];
    if (wrap !== undefined) next = wrap(next);
  }
  return next;
}
