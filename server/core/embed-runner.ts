import { randomUUID } from "node:crypto";
import { GatewayError } from "../errors/gateway-error.ts";
import type { EmbedRunner } from "../policy/cache/semantic/provider-embedder.ts";
import type { RoutePlanner } from "../routing/route-planner.ts";
import { createCall } from "./call.ts";
import type { Next } from "./chain.ts";

/** The surface name an embedding made by the gateway for itself runs under, in logs. */
const SURFACE = "semantic-cache";

/**
 * An embeddings request made by the gateway itself (the semantic cache's
 * provider embedder), run as any caller's would be past the policies: the
 * route planner picks the model's deployments and `execute` (the same
 * terminal the pipeline ends in) tries them with the usual retries,
 * fallbacks, queues and breakers. There is no key, nothing is accounted,
 * and it ends when `signal` fires (the caller's own request signal);
 * `timeoutMs` bounds the retries it may start.
 */
export function embedRunner(planner: RoutePlanner, execute: Next, timeoutMs: number): EmbedRunner {
  return async (request, signal) => {
    const startedAt = performance.now();
    const call = createCall({
      requestId: randomUUID(),
      surface: SURFACE,
      signal,
      startedAt,
      deadline: startedAt + timeoutMs,
      credential: undefined,
      op: "embed",
      stream: false,
      embed: request,
    });
    call.plan = planner.plan(call);
    const answer = await execute(call);
    if (answer.kind !== "embed")
      throw new GatewayError("internal", `an embeddings request was answered with ${answer.kind}`);
    return answer.response;
  };
}
