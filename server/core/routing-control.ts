import type { JsonObject } from "@bufbuild/protobuf";
import type { ChatRequest } from "../../gen/llmgw/v1/chat_pb.js";
import { formatIssues } from "../config/format-issues.ts";
import {
  checkDeploymentProviders,
  type DeploymentConfig,
  type RoutingConfig,
  routingSchema,
} from "../config/routing-schema.ts";
import { GatewayError, invalidRequest } from "../errors/gateway-error.ts";
import { scopedPlan } from "../policy/auth/scope-policy.ts";
import { validateChat } from "../policy/validate/validate-chat.ts";
import type { BreakerState } from "../routing/deployment.ts";
import type { RouteExplanation } from "../routing/route-explanation.ts";
import type { RoutePlanner } from "../routing/route-planner.ts";
import { deploymentId, type RoutingTable } from "../routing/routing-table.ts";
import type { KeyInfo } from "./call.ts";

/** A routed deployment's settings and live state, as ListDeployments shows it. */
export interface DeploymentView {
  readonly id: string;
  /** Every routed model that lists it, in config order. */
  readonly models: readonly string[];
  readonly provider: string;
  readonly upstreamModel: string;
  readonly healthy: boolean;
  /** Why it is unhealthy; "" when healthy. */
  readonly healthReason: string;
  /** Undefined when breakers are off. */
  readonly breaker: BreakerState | undefined;
  readonly inFlight: number;
  readonly queueDepth: number;
  readonly latencyEwmaMs: number;
  readonly ttftEwmaMs: number;
  readonly interTokenEwmaMs: number;
  readonly attempts: number;
  readonly failures: number;
  readonly weight: number;
  readonly priority: number;
  readonly tags: readonly string[];
  /** Undefined when it has no concurrency limit (and so no queue). */
  readonly maxConcurrency: number | undefined;
  readonly maxQueue: number;
  readonly local: boolean;
}

export interface RoutingControlDeps {
  readonly table: RoutingTable;
  readonly planner: RoutePlanner;
  /** The configured providers' names: an update's deployments must name one of them. */
  readonly providers: Iterable<string>;
  /**
   * Called after an update is in force in the table, to carry the settings the
   * table does not hold (retries, health probes) to where they are read.
   */
  readonly applied?: ((routing: RoutingConfig) => void) | undefined;
}

/**
 * The routing service behind RoutingService: explain a route, list the
 * deployments, read and replace the routing config. Surfaces use this, never
 * the routing table or the planner. Any key may read; only admin keys may
 * change the config (in an open gateway, with no keys configured, every
 * caller is an admin, as for usage queries). An update is validated exactly
 * like the config file's `routing` section, provider rule included, and is
 * refused whole on any problem, leaving the config in force untouched.
 */
export class RoutingControl {
  readonly #table: RoutingTable;
  readonly #planner: RoutePlanner;
  readonly #applied: ((routing: RoutingConfig) => void) | undefined;
  readonly #schema: typeof routingSchema;

  constructor(deps: RoutingControlDeps) {
    this.#table = deps.table;
    this.#planner = deps.planner;
    this.#applied = deps.applied;
    const providers = new Set(deps.providers);
    this.#schema = routingSchema.superRefine((routing, ctx) =>
      checkDeploymentProviders(routing, providers, ctx),
    );
  }

  /**
   * How this chat request would be routed, with every candidate, its score
   * and why it was kept or skipped: the planner's own code path, so it gives
   * the real route's answer. Nothing is sent upstream. A request the real
   * path would refuse as malformed is refused here too, and the caller's
   * key scope applies as it would to the call: a model the key may not use
   * is `permission_denied`, and providers it may not use are marked
   * skipped.
   */
  explain(caller: KeyInfo, chat: ChatRequest, stream: boolean): RouteExplanation {
    validateChat(chat);
    const explanation = this.#planner.explain(chat, stream);
    const scope = caller.scope;
    if (scope === undefined) return explanation;
    const plan = scopedPlan(scope, chat.model, explanation.plan);
    if (plan === explanation.plan) return explanation;
    const serving = plan?.deployments[0];
    const kept = new Set(plan?.deployments.map((d) => d.id));
    const candidates = explanation.candidates.map((c) =>
      c.kept && !kept.has(c.id) ? { ...c, kept: false, reason: "the key may not use this provider" } : c,
    );
    return { ...explanation, plan, serving, candidates, decision: plan?.decision ?? explanation.decision };
  }

  /** Every routed deployment, each once, in config order, with its live state. */
  deployments(_caller: KeyInfo): DeploymentView[] {
    const listed = listings(this.#table.current());
    return this.#table.deployments().map((d) => {
      const listing = listed.get(d.id);
      const { stats, health, queue, breaker } = d.live;
      return {
        id: d.id,
        models: listing?.models ?? [],
        provider: d.provider,
        upstreamModel: d.model,
        healthy: health.healthy,
        healthReason: health.reason,
        breaker: breaker?.state,
        inFlight: stats.inFlight,
        queueDepth: queue?.depth ?? 0,
        latencyEwmaMs: stats.latencyMs,
        ttftEwmaMs: stats.ttftMs,
        interTokenEwmaMs: stats.interTokenMs,
        attempts: stats.attempts,
        failures: stats.failures,
        weight: d.weight,
        priority: d.priority,
        tags: d.tags,
        // The queue is made with the first listing's settings (see RoutingTable).
        maxConcurrency: listing?.config.max_concurrency,
        maxQueue: listing?.config.max_concurrency === undefined ? 0 : listing.config.max_queue,
        local: d.local,
      };
    });
  }

  /** The routing config in force, as the config file's `routing` section with defaults filled in. */
  config(_caller: KeyInfo): JsonObject {
    // A copy, as plain JSON: the caller cannot reach the config in force through it.
    return JSON.parse(JSON.stringify(this.#table.current())) as JsonObject;
  }

  /**
   * Replaces the routing config with `raw` (the whole `routing` section, in
   * the config file's shape). Deployments keep their live state by id.
   * Returns the config now in force.
   */
  update(caller: KeyInfo, raw: unknown): JsonObject {
    if (!caller.admin)
      throw new GatewayError("permission_denied", "only admin keys may change the routing config");
    if (raw === undefined || raw === null)
      throw invalidRequest("config is required: the whole routing section", "config");
    const result = this.#schema.safeParse(raw);
    if (!result.success)
      throw invalidRequest(
        `the routing config is invalid, and nothing was changed:\n${formatIssues(result.error.issues)}`,
        "config",
      );
    this.#table.update(result.data);
    this.#applied?.(result.data);
    return this.config(caller);
  }
}

interface Listing {
  readonly models: string[];
  /** The first listing's settings, which the deployment's queue was made with. */
  readonly config: DeploymentConfig;
}

/** Each deployment id's routed models, and its first listing's config. */
function listings(routing: RoutingConfig): Map<string, Listing> {
  const byId = new Map<string, Listing>();
  for (const model of routing.models)
    for (const config of model.deployments) {
      const id = deploymentId(config);
      const listing = byId.get(id);
      if (listing === undefined) byId.set(id, { models: [model.name], config });
      else listing.models.push(model.name);
    }
  return byId;
}
