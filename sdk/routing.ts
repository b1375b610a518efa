import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import type { CallOptions } from "@connectrpc/connect";
import type { ChatRequestSchema, RoutingHintsSchema } from "../gen/llmgw/v1/chat_pb.js";
import type { DeploymentStatus, ExplainRouteResponse } from "../gen/llmgw/v1/routing_pb.js";
import type { LlmgwClient } from "./client.ts";
import { userMessage } from "./messages.ts";
import type { RoutingConfigJson } from "./routing-config.ts";

/** What `explainRoute` needs of a client. */
export type RoutingClient = Pick<LlmgwClient, "routing">;

export interface ExplainRouteOptions {
  /** Explain the route of a streamed request (stream-aware strategies such as `ttft` may choose differently). */
  readonly stream?: boolean;
  /** Routing hints (strategy, preferred provider, no fallback, priority), as `ChatRequest.routing`. */
  readonly hints?: MessageInitShape<typeof RoutingHintsSchema>;
  /** Headers, a signal or a timeout for the call. */
  readonly call?: CallOptions;
}

/**
 * How the gateway would route a chat request to `model`: every candidate
 * deployment, its score and why it was kept or skipped, and which one would
 * serve. A dry run: nothing is sent upstream. `prompt` is a user message's
 * text, or a whole chat request (its `model` is replaced by `model`).
 *
 * @example
 * const route = await explainRoute(llmgw, "auto", "Write a quicksort in Rust");
 * console.log(route.deployment, route.decision?.strategy, route.decision?.complexity);
 */
export function explainRoute(
  client: RoutingClient,
  model: string,
  prompt: string | MessageInitShape<typeof ChatRequestSchema>,
  options: ExplainRouteOptions = {},
): Promise<ExplainRouteResponse> {
  const chat: MessageInitShape<typeof ChatRequestSchema> =
    typeof prompt === "string" ? { model, messages: [userMessage(prompt)] } : { ...prompt, model };
  if (options.hints !== undefined) chat.routing = options.hints;
  return client.routing.explainRoute({ chat, stream: options.stream ?? false }, options.call);
}

/**
 * Every deployment's live state: health, breaker, in flight, queue depth and
 * latency. Any key may read it.
 *
 * @example
 * for (const d of await listDeployments(llmgw)) console.log(d.id, d.healthy, d.inFlight);
 */
export async function listDeployments(
  client: RoutingClient,
  call?: CallOptions,
): Promise<DeploymentStatus[]> {
  const { deployments } = await client.routing.listDeployments({}, call);
  return deployments;
}

/** The routing config in force, with every default filled in. Any key may read it. */
export async function getRoutingConfig(
  client: RoutingClient,
  call?: CallOptions,
): Promise<RoutingConfigJson> {
  const { config } = await client.routing.getRoutingConfig({}, call);
  return fromStruct(config);
}

/**
 * Replaces the routing config with `config` (the whole `routing` section;
 * what is left out takes its default) and returns the config now in force.
 * Admin keys only (`PermissionDenied` otherwise). A config the gateway's
 * config file would refuse is refused whole with `InvalidArgument`, naming
 * each problem, and nothing changes. Deployments keep their live statistics
 * by id.
 */
export async function updateRoutingConfig(
  client: RoutingClient,
  config: RoutingConfigJson,
  call?: CallOptions,
): Promise<RoutingConfigJson> {
  const answer = await client.routing.updateRoutingConfig({ config: toStruct(config) }, call);
  return fromStruct(answer.config);
}

// The Struct's JSON is the routing section itself; the types differ only in how precisely they say so.
function toStruct(config: RoutingConfigJson): JsonObject {
  return config as unknown as JsonObject;
}

function fromStruct(config: JsonObject | undefined): RoutingConfigJson {
  return (config ?? {}) as unknown as RoutingConfigJson;
}
