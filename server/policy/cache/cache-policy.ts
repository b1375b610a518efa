import { CacheMode, type CompleteResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../../core/call.ts";
import type { Answer, Next, Policy } from "../../core/chain.ts";
import type { Outcome } from "../../core/end-hooks.ts";
import { completionEvents } from "../../providers/completion-events.ts";
import type { CacheMetrics } from "../../telemetry/cache-metrics.ts";
import { traceCacheLookup } from "../../telemetry/tracing/cache-lookup-span.ts";
import { type KnownModels, OTHER_MODEL } from "../account/metrics-policy.ts";
import { StreamAssembly } from "../audit/stream-assembly.ts";
import { type CacheNamespaceMode, cacheNamespace, requestCacheKey } from "./cache-key.ts";
import { CacheTee } from "./cache-tee.ts";
import { cacheable } from "./cached-answer.ts";
import type { ExactCache } from "./exact-cache.ts";
import type { SemanticCache, SemanticProbe } from "./semantic-cache.ts";

/** What the cache policy and CacheService's control share: the caches and how a call's entry is found. */
export interface CacheDeps {
  readonly exact: ExactCache;
  /** The semantic cache, when `cache.semantic.enabled`: looked up after an exact miss. */
  readonly semantic?: SemanticCache | undefined;
  readonly namespace: CacheNamespaceMode;
  /** The model a name means once aliases are resolved (the key's model). */
  readonly resolveModel: (name: string) => string;
  /** Keys whose calls skip the cache. */
  readonly bypassKeys: ReadonlySet<string>;
  /** Models (as callers name them, or resolved) whose calls skip the cache. */
  readonly bypassModels: ReadonlySet<string>;
  readonly metrics: CacheMetrics;
}

export interface CachePolicyDeps extends CacheDeps {
  /** False when only the semantic cache is on: the exact store then only holds its answers. */
  readonly exactLookups: boolean;
  readonly known: KnownModels;
  /**
   * What a hit still passes through before it is answered: the rate limits
   * (when `cache.rate_limits_on_hit`), never the budgets; absent, a hit is
   * answered at once.
   */
  readonly onHit?: Policy | undefined;
}

/**
 * The response cache. It runs after route and scope (the alias is resolved
 * and the key may use the model) and before the quota policy, so a hit is
 * answered without calling `next`: nothing is charged to a budget, and the
 * rate limits apply only through `onHit`. A hit sets `call.cache` and is
 * replayed as the caller asked, a stream as canonical events (content, tool
 * calls, finish, usage) whichever way it was stored. A miss goes on, and its
 * answer is kept once the call has ended `ok`: a unary one as it is, a
 * stream assembled from its events on the way through. After an exact miss
 * the semantic cache (when on) embeds the request and looks for a near
 * one; a miss's answer is then indexed too, pointing at its exact entry.
 * `refresh` skips the lookups and overwrites; `off`, a bypassed key or
 * model skips both.
 */
export function cachePolicy(deps: CachePolicyDeps): Policy {
  const { exact, metrics } = deps;
  return (next) => async (call) => {
    const chat = call.chat;
    if (chat === undefined || call.raw !== undefined) return next(call);
    const requested = call.plan?.requested ?? chat.model;
    const model = deps.resolveModel(requested);
    const label = modelLabel(call, deps.known);
    if (
      chat.cache === CacheMode.OFF ||
      deps.bypassKeys.has(call.key?.name ?? "") ||
      deps.bypassModels.has(requested) ||
      deps.bypassModels.has(model)
    ) {
      metrics.bypass(label);
      return next(call);
    }
    const namespace = cacheNamespace(deps.namespace, call.key);
    const key = requestCacheKey(chat, model, namespace);
    const semantic = deps.semantic;
    const probe = semantic?.probe(chat, requested, model, namespace);
    if (chat.cache !== CacheMode.REFRESH) {
      let started = performance.now();
      if (deps.exactLookups) {
        const cached = await exact.get(key);
        metrics.lookup("exact", (performance.now() - started) / 1000);
        traceCacheLookup(call, started, cached?.response === undefined ? "miss" : "exact");
        if (cached?.response !== undefined) {
          metrics.hit("exact", label, cached.costUsd);
          call.cache = { kind: "exact", similarity: 1, costSavedUsd: cached.costUsd };
          return answerHit(call, cached.response, deps.onHit);
        }
        metrics.miss("exact", label);
      }
      if (semantic !== undefined && probe !== undefined) {
        started = performance.now();
        const match = await semantic.nearest(probe, call.signal);
        const near = match === undefined ? undefined : await exact.get(match.key);
        metrics.lookup("semantic", (performance.now() - started) / 1000);
        const found = match !== undefined && near?.response !== undefined;
        traceCacheLookup(call, started, found ? "semantic" : "miss", match?.similarity);
        if (match !== undefined && near?.response !== undefined) {
          metrics.hit("semantic", label, near.costUsd);
          call.cache = { kind: "semantic", similarity: match.similarity, costSavedUsd: near.costUsd };
          return answerHit(call, near.response, deps.onHit);
        }
        metrics.miss("semantic", label);
      }
    }
    const indexed =
      semantic === undefined || probe === undefined ? undefined : { semantic, probe, namespace };
    const write = new CacheWrite(exact, key, model, call.stream, indexed);
    call.end.onEnd(write.ended);
    const answer = await next(call);
    if (answer.kind === "complete") write.response = answer.response;
    // The events as the upstream sent them, not as the outer policies rewrite them for this caller.
    if (answer.kind === "stream" && write.assembly !== undefined)
      return { kind: "stream", events: new CacheTee(answer.events, write.assembly.add) };
    return answer;
  };
}

/** A cached answer as the caller asked for it, through the hit's own policies (rate limits) when set. */
function answerHit(call: Call, response: CompleteResponse, onHit: Policy | undefined): Promise<Answer> {
  const answer: Answer = call.stream
    ? { kind: "stream", events: completionEvents(response) }
    : { kind: "complete", response };
  const answered: Next = () => Promise.resolve(answer);
  return onHit === undefined ? answered(call) : onHit(answered)(call);
}

/** The plan's first choice of model, when configured or discovered; else `other`. */
function modelLabel(call: Call, known: KnownModels): string {
  const first = call.plan?.deployments[0];
  return first !== undefined && known.knows(first.provider, first.model) ? first.model : OTHER_MODEL;
}

/** What a miss's answer is indexed by for the semantic cache. */
interface Indexed {
  readonly semantic: SemanticCache;
  readonly probe: SemanticProbe;
  readonly namespace: string;
}

/** Keeps a missed call's answer once it has ended well (and indexes it for the semantic cache). */
class CacheWrite {
  readonly #exact: ExactCache;
  readonly #key: string;
  readonly #model: string;
  readonly #indexed: Indexed | undefined;
  /** A stream's events put back together; undefined for a unary call. */
  readonly assembly: StreamAssembly | undefined;
  /** A unary call's answer, once it has one. */
  response: CompleteResponse | undefined;

  constructor(exact: ExactCache, key: string, model: string, stream: boolean, indexed: Indexed | undefined) {
    this.#exact = exact;
    this.#key = key;
    this.#model = model;
    this.#indexed = indexed;
    this.assembly = stream ? new StreamAssembly() : undefined;
  }

  readonly ended = (outcome: Outcome, call: Call): void => {
    if (outcome.status !== "ok") return;
    // A guard that blocked anything (the answer's output included) keeps the call out of the cache.
    if (call.guard?.some((verdict) => verdict.action === "block")) return;
    const response = this.response ?? this.assembly?.toCompletion(outcome.served?.model ?? this.#model);
    if (response === undefined || !cacheable(response)) return;
    this.#exact.put(this.#key, response, outcome.costUsd);
    const indexed = this.#indexed;
    if (indexed !== undefined) indexed.semantic.add(indexed.probe, this.#key, indexed.namespace, this.#model);
  };
}
