import { type Call, type RawRequest, type RoutePlan, requestedModel } from "../core/call.ts";
import type { Policy } from "../core/chain.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type { ProviderAdapter } from "../providers/adapter.ts";
import type { PassthroughApi } from "../providers/passthrough/raw-request.ts";
import type { Deployment } from "./deployment.ts";
import type { RoutePlanner } from "./route-planner.ts";
import type { RoutingTable } from "./routing-table.ts";

const PINNED = Object.freeze({ strategy: "passthrough", score: undefined, complexity: "" });

/**
 * Plans pass-through calls. The body is forwarded unchanged, so only a
 * deployment whose provider speaks the caller's API family and whose
 * upstream model is the very name in the body can serve one:
 * - a route that pins a provider gets that provider's deployment of the model;
 * - otherwise the model is routed as any call is (routed models, fallbacks,
 *   strategies), and the plan keeps only such deployments; when none is
 *   left, the family's first provider serves the name as it is.
 */
export class PassthroughPlanner {
  readonly #planner: RoutePlanner;
  readonly #table: RoutingTable;
  /** Each family's first provider, by config order. */
  readonly #defaults: ReadonlyMap<PassthroughApi, string>;

  constructor(planner: RoutePlanner, table: RoutingTable, adapters: readonly ProviderAdapter[]) {
    this.#planner = planner;
    this.#table = table;
    const defaults = new Map<PassthroughApi, string>();
    for (const adapter of adapters) {
      const api = adapter.passthrough?.api;
      if (api !== undefined && !defaults.has(api)) defaults.set(api, adapter.name);
    }
    this.#defaults = defaults;
  }

  plan(call: Call, raw: RawRequest): RoutePlan {
    const model = requestedModel(call);
    const priority = call.key?.priority ?? 0;
    if (raw.provider !== undefined) return this.#single(model, raw.provider, priority);
    const routed = this.#planner.plan(call);
    const kept = routed.deployments.filter((d) => serves(d, raw.api, model));
    if (kept.length === routed.deployments.length) return routed;
    if (kept.length > 0) {
      const decision =
        kept[0] === routed.deployments[0] ? routed.decision : { ...routed.decision, score: undefined };
      return { ...routed, deployments: kept, decision };
    }
    const fallback = this.#defaults.get(raw.api);
    if (fallback === undefined) {
      throw new GatewayError(
        "no_eligible_deployment",
        `no provider speaks the ${raw.api} API, so model "${model}" cannot be passed through`,
        { param: "model" },
      );
    }
    return this.#single(model, fallback, priority);
  }

  #single(model: string, provider: string, priority: number): RoutePlan {
    const d = this.#table.adHoc(`${provider}:${model}`);
    return { requested: model, deployments: [d], decision: PINNED, fallback: true, priority };
  }
}

/** Whether a deployment can take the caller's bytes as they are. */
function serves(d: Deployment, api: PassthroughApi, model: string): boolean {
  return d.adapter.passthrough?.api === api && d.model === model;
}

/**
 * The route policy when pass-through routes are configured: pass-through
 * calls are planned by the PassthroughPlanner, every other call as before.
 * Without pass-through routes the plain route policy is in the chain instead.
 */
export function routeWithPassthroughPolicy(planner: RoutePlanner, passthrough: PassthroughPlanner): Policy {
  return (next) => (call) => {
    const raw = call.raw;
    call.plan = raw === undefined ? planner.plan(call) : passthrough.plan(call, raw);
    return next(call);
  };
}
