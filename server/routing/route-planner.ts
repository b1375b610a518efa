import type { ChatRequest } from "../../gen/llmgw/v1/chat_pb.js";
import type { EmbedRequest } from "../../gen/llmgw/v1/embeddings_pb.js";
import {
  type Call,
  type Operation,
  type RouteDecision,
  type RoutePlan,
  requestedModel,
} from "../core/call.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type { Deployment } from "./deployment.ts";
import { eligibility, FITS, whyIneligible } from "./eligibility.ts";
import { type RouteExplanation, RouteTrace } from "./route-explanation.ts";
import { RouteRequest } from "./route-request.ts";
import type { RoutingTable } from "./routing-table.ts";
import type { Strategy } from "./strategies/strategy.ts";
import { STRATEGY_NAMES, strategyFor } from "./strategies/strategy-for.ts";
import { rateComplexity } from "./virtual/complexity.ts";
import { type QualityFeed, qualitySource } from "./virtual/quality-feed.ts";
import { orderByScore, PROFILES, qualityOf, scoreDeployments } from "./virtual/scores.ts";
import { needsComplexity, profileFor } from "./virtual/virtual-models.ts";

/** Queue priorities a caller may ask for; beyond them it is clamped. */
export const MIN_PRIORITY = -1_000;
export const MAX_PRIORITY = 1_000;

/** A catalogue route: one deployment, nothing to choose. */
const SINGLE: RouteDecision = Object.freeze({ strategy: "single", score: undefined, complexity: "" });
/** ExplainRoute's decision when nothing qualifies. */
const NONE: RouteDecision = Object.freeze({ strategy: "", score: undefined, complexity: "" });

export interface RoutePlannerOptions {
  /** Math.random unless a test injects one. */
  readonly random?: () => number;
  /** Date.now unless a test injects one. */
  readonly now?: () => number;
}

/** The caller's routing hints, read once. */
interface Hints {
  /** The strategy the caller named, if any. */
  readonly strategy: Strategy | undefined;
  readonly preferProvider: string;
  readonly fallback: boolean;
  readonly priority: number;
}

/**
 * Turns a call into its route plan: the deployments that may serve it, in
 * the order they are tried.
 * 1. Resolve the name: a routed model, else a virtual model (chat only),
 *    else the catalogue (one deployment, nothing to choose).
 * 2. Filter: context window and capabilities (chat only; see eligibility).
 * 3. Order: priority tiers ascending, the strategy within a tier (the
 *    caller's > the model's > routing.strategy); the caller's preferred
 *    provider first; then the fallback models' deployments; unhealthy or
 *    breaker-open ones last, whatever their rank.
 * `plan` and `explain` run this one code path, so ExplainRoute gives the
 * real route's answer; only `explain` records why.
 */
export class RoutePlanner {
  readonly #table: RoutingTable;
  readonly #random: () => number;
  readonly #now: () => number;
  /**
   * Measured quality (the benchmark suite's), used by the virtual models'
   * scores while `routing.benchmark_quality` is on; set once at start-up.
   */
  qualityFeed: QualityFeed | undefined;

  constructor(table: RoutingTable, options: RoutePlannerOptions = {}) {
    this.#table = table;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.qualityFeed = undefined;
  }

  /** The plan for a call. Throws `no_eligible_deployment` saying why each candidate was skipped. */
  plan(call: Call): RoutePlan {
    const keyPriority = call.key?.priority ?? 0;
    const plan = this.#route(
      call.op,
      requestedModel(call),
      call.chat,
      call.embed,
      call.stream,
      undefined,
      keyPriority,
    );
    if (plan !== undefined) return plan;
    // Cold path: route again, recording, to say why nothing qualifies.
    const trace = new RouteTrace();
    this.#route(call.op, requestedModel(call), call.chat, call.embed, call.stream, trace);
    throw noEligible(requestedModel(call), trace);
  }

  /** How a chat request would be routed, with every candidate, its score and why it was kept or skipped. */
  explain(chat: ChatRequest, stream = false): RouteExplanation {
    const trace = new RouteTrace();
    const plan = this.#route("chat", chat.model, chat, undefined, stream, trace);
    return {
      requested: chat.model,
      kind: trace.kind,
      candidates: trace.ordered(plan?.deployments ?? []),
      signals: trace.signals,
      decision: plan?.decision ?? NONE,
      serving: plan?.deployments[0],
      plan,
      error: plan === undefined ? noEligible(chat.model, trace).message : "",
    };
  }

  #route(
    op: Operation,
    requested: string,
    chat: ChatRequest | undefined,
    embed: EmbedRequest | undefined,
    stream: boolean,
    trace: RouteTrace | undefined,
    keyPriority = 0,
  ): RoutePlan | undefined {
    const hints = readHints(op === "chat" ? chat?.routing : undefined, keyPriority);
    const routed = this.#table.model(requested);
    if (routed === undefined) {
      if (op !== "chat" || !this.#table.isVirtual(requested)) {
        const d = this.#table.adHoc(requested);
        trace?.consider(d, "", true, "");
        return {
          requested,
          deployments: [d],
          decision: SINGLE,
          fallback: hints.fallback,
          priority: hints.priority,
        };
      }
    }
    const request = new RouteRequest(
      op === "chat" ? chat : undefined,
      op === "embed" ? embed : undefined,
      stream,
      this.#now(),
      this.#random,
    );
    const out: Deployment[] = [];
    if (routed === undefined) return this.#virtual(requested, request, hints, out, trace);
    if (trace !== undefined) trace.kind = "routed";

    const primary = hints.strategy ?? routed.strategy;
    let tail = collect(routed.deployments, routed.name, request, out, undefined, trace);
    const ownEnd =
      hints.preferProvider === "" ? out.length : preferFirst(out, 0, out.length, hints.preferProvider, trace);
    let decided = primary;
    let score = orderRuns(out, 0, out.length, primary, ownEnd, request, trace);
    if (hints.fallback) {
      for (const group of routed.fallbacks) {
        const start = out.length;
        tail = collect(group.deployments, group.model, request, out, tail, trace);
        const strategy = hints.strategy ?? group.strategy;
        const first = orderRuns(out, start, out.length, strategy, out.length, request, trace);
        if (start === 0 && out.length > 0) {
          decided = strategy;
          score = first;
        }
      }
    }
    if (tail !== undefined) for (const d of tail) out.push(d);
    if (out.length === 0) return undefined;
    return {
      requested,
      deployments: out,
      decision: { strategy: decided.name, score, complexity: "" },
      fallback: hints.fallback,
      priority: hints.priority,
    };
  }

  /** A virtual model: the pool scored under the model's profile, or ordered by the caller's strategy. */
  #virtual(
    name: string,
    request: RouteRequest,
    hints: Hints,
    out: Deployment[],
    trace: RouteTrace | undefined,
  ): RoutePlan | undefined {
    const pool = this.#table.pool;
    const rating =
      needsComplexity(name) && request.chat !== undefined ? rateComplexity(request.chat) : undefined;
    const complexity = rating?.level ?? "";
    if (trace !== undefined) {
      trace.kind = "virtual";
      trace.signals = rating?.signals ?? [];
    }
    const tail = collect(pool.deployments, name, request, out, undefined, trace);
    let strategy: string;
    let score: number | undefined;
    if (hints.strategy !== undefined) {
      // The caller's strategy orders the whole pool as one tier.
      strategy = hints.strategy.name;
      const end =
        hints.preferProvider === ""
          ? out.length
          : preferFirst(out, 0, out.length, hints.preferProvider, trace);
      score = orderRuns(out, 0, out.length, hints.strategy, end, request, trace, false);
    } else {
      const profile = profileFor(name, rating?.level ?? "simple");
      strategy = profile;
      const feed = pool.benchmarkQuality ? this.qualityFeed : undefined;
      const scores = scoreDeployments(out, PROFILES[profile], request, feed);
      const preferredLocal = orderByScore(out, scores, pool.preferLocalShare);
      if (trace !== undefined) {
        for (let i = 0; i < out.length; i++) {
          const d = out[i] as Deployment;
          trace.score(d, scores[i]);
          trace.quality(d, qualitySource(d, feed), qualityOf(d, feed));
        }
        if (preferredLocal && out[0] !== undefined)
          trace.note(out[0], `local, within ${pool.preferLocalShare} of the best score: preferred`);
      }
      score = scores[0];
      if (hints.preferProvider !== "") {
        const k = out.findIndex((d) => d.provider === hints.preferProvider);
        if (k > 0) score = scores[k];
        preferFirst(out, 0, out.length, hints.preferProvider, trace);
      }
    }
    if (tail !== undefined) for (const d of tail) out.push(d);
    if (out.length === 0) return undefined;
    return {
      requested: name,
      deployments: out,
      decision: { strategy, score, complexity },
      fallback: hints.fallback,
      priority: hints.priority,
    };
  }
}

/**
 * Appends the deployments of `list` that can serve the request to `out`,
 * and the unhealthy or breaker-open ones among them to the returned tail
 * (made on the first one), which the plan tries last.
 */
function collect(
  list: readonly Deployment[],
  from: string,
  request: RouteRequest,
  out: Deployment[],
  tail: Deployment[] | undefined,
  trace: RouteTrace | undefined,
): Deployment[] | undefined {
  for (const d of list) {
    const code = eligibility(d, request);
    if (code !== FITS) {
      trace?.consider(d, from, false, whyIneligible(code, d, request));
      continue;
    }
    const live = d.live;
    if (!live.health.healthy || live.breaker?.state === "open") {
      trace?.consider(
        d,
        from,
        true,
        live.health.healthy ? "breaker open: tried last" : `unhealthy (${live.health.reason}): tried last`,
      );
      tail ??= [];
      tail.push(d);
      continue;
    }
    trace?.consider(d, from, true, "");
    out.push(d);
  }
  return tail;
}

/** Moves `provider`'s deployments in `list[lo..hi)` to its front, stably. Returns where they end. */
function preferFirst(
  list: Deployment[],
  lo: number,
  hi: number,
  provider: string,
  trace: RouteTrace | undefined,
): number {
  let w = lo;
  for (let i = lo; i < hi; i++) {
    const d = list[i] as Deployment;
    if (d.provider !== provider) continue;
    for (let k = i; k > w; k--) list[k] = list[k - 1] as Deployment;
    list[w++] = d;
    trace?.note(d, `provider ${provider} preferred by the caller`);
  }
  return w;
}

/**
 * Orders `list[lo..hi)` run by run: a run is one priority tier on one side
 * of `split` (the preferred provider's end, or `hi`), so the strategy never
 * moves a deployment across a tier or the preference. With `tiers` false
 * the priorities are ignored (a virtual model's pool is one tier). Returns
 * the score of `list[lo]` among its run.
 */
function orderRuns(
  list: Deployment[],
  lo: number,
  hi: number,
  strategy: Strategy,
  split: number,
  request: RouteRequest,
  trace: RouteTrace | undefined,
  tiers = true,
): number | undefined {
  let first: number | undefined;
  for (let i = lo; i < hi; ) {
    const end = i < split ? split : hi;
    let j = i + 1;
    const priority = (list[i] as Deployment).priority;
    while (j < end && (!tiers || (list[j] as Deployment).priority === priority)) j++;
    if (j - i > 1) strategy.order(list, i, j, request);
    if (i === lo) first = strategy.score(list, i, j, i, request);
    if (trace !== undefined)
      for (let k = i; k < j; k++) trace.score(list[k] as Deployment, strategy.score(list, i, j, k, request));
    i = j;
  }
  return first;
}

/** The caller's hints; the queue priority is the request's own, else its key's. */
function readHints(routing: ChatRequest["routing"], keyPriority: number): Hints {
  if (routing === undefined)
    return keyPriority === 0 ? NO_HINTS : { ...NO_HINTS, priority: clampPriority(keyPriority) };
  let strategy: Strategy | undefined;
  if (routing.strategy !== "") {
    strategy = strategyFor(routing.strategy);
    if (strategy === undefined)
      throw new GatewayError(
        "invalid_request",
        `unknown routing strategy "${routing.strategy}"; use one of: ${STRATEGY_NAMES}`,
        { param: "routing.strategy" },
      );
  }
  return {
    strategy,
    preferProvider: routing.preferProvider,
    fallback: !routing.noFallback,
    priority: clampPriority(routing.priority ?? keyPriority),
  };
}

function clampPriority(priority: number): number {
  return Math.min(MAX_PRIORITY, Math.max(MIN_PRIORITY, Math.trunc(priority)));
}

const NO_HINTS: Hints = Object.freeze({
  strategy: undefined,
  preferProvider: "",
  fallback: true,
  priority: 0,
});

function noEligible(requested: string, trace: RouteTrace): GatewayError {
  return new GatewayError(
    "no_eligible_deployment",
    `no deployment of model "${requested}" can serve this request: ${trace.skipped() || "none is configured"}`,
    { param: "model" },
  );
}
