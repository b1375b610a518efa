import type { ChatRequest } from "../../gen/llmgw/v1/chat_pb.js";
import type { EmbedRequest } from "../../gen/llmgw/v1/embeddings_pb.js";
import type { BudgetRule } from "../config/budgets-schema.ts";
import type { LimitRule } from "../config/limits-schema.ts";
import type { RawRequest } from "../providers/passthrough/raw-request.ts";
import type { Deployment } from "../routing/deployment.ts";
import type { CallTrace } from "../telemetry/tracing/call-trace.ts";
import { EndHooks } from "./end-hooks.ts";

export type { PassthroughApi, RawRequest } from "../providers/passthrough/raw-request.ts";

/** The request header by which a caller asks the audit log to keep no payload of its call. */
export const LOG_PAYLOAD_HEADER = "x-llmgw-log-payload";

/** What a call asks the gateway to do. */
export type Operation = "chat" | "embed";

/** The key that authenticated a call. Rights belong to the key, never to its name. */
export interface KeyInfo {
  /** The key's name, as the ledger and the usage queries show it. */
  readonly name: string;
  /** Whether the key may read every key's usage and change the routing config. */
  readonly admin: boolean;
  /** Queue priority of the key's requests (higher is served first), unless a request sets its own. */
  readonly priority: number;
  /** The key's team, whose limits and budgets it shares; "" for none. */
  readonly team: string;
  /** Who the key was issued to, for people reading key listings and logs; "" or absent for nobody named. */
  readonly owner?: string;
  /**
   * What the key may use, when its config or record limits it; absent for a
   * key that may use every model and provider, so the scope policy costs one
   * property read for those.
   */
  readonly scope?: KeyScope;
  /**
   * The key's own rate limits (a stored key's, set through KeysService), in
   * place of the config's `limits.keys[name]` and `limits.per_key`; absent
   * when those apply. Its team's, model's and the global limits apply either way.
   */
  readonly limits?: readonly LimitRule[];
  /** The key's own budgets, in place of `budgets.keys[name]` and `budgets.per_key`; absent when those apply. */
  readonly budgets?: readonly BudgetRule[];
}

/** The models and providers a key may use. A list that is left out allows everything. */
export interface KeyScope {
  /** Model names the key may request exactly; undefined allows every model. */
  readonly models: ReadonlySet<string> | undefined;
  /** Further model names the key may request, by prefix (from `name*` patterns). */
  readonly modelPrefixes: readonly string[];
  /** Providers whose deployments may serve the key; undefined allows every provider. */
  readonly providers: ReadonlySet<string> | undefined;
}

/** How the first deployment of a plan was chosen, as the caller's metadata explains it. */
export interface RouteDecision {
  /** The strategy (or virtual model profile) that ordered the candidates. */
  readonly strategy: string;
  /** The chosen deployment's score, when the strategy scores. */
  readonly score: number | undefined;
  /** simple, medium or complex for the virtual models; "" otherwise. */
  readonly complexity: string;
}

/** One rate-limit counter as the `x-ratelimit-*` headers report it. */
export interface LimitReading {
  /** Most units per window. */
  readonly limit: number;
  /** Units left in the window. */
  readonly remaining: number;
  /** ms until the window starts afresh. */
  readonly resetMs: number;
}

/**
 * What the rate limiter counted a call against, for the surfaces to send as
 * `x-ratelimit-*` headers: the tightest counter of each kind, or undefined
 * when no limit of that kind applies.
 */
export interface CallLimits {
  readonly requests: LimitReading | undefined;
  readonly tokens: LimitReading | undefined;
}

/**
 * What an input guard found and did: one entry per rule, kind, place and
 * action (never the matched text), for the logs and the audit log.
 */
export interface GuardVerdict {
  /** `secrets`, `injection`, `pii` or a custom rule's name. */
  readonly rule: string;
  /** The kind within the rule: `aws_access_key`, `email`, `control_token`… */
  readonly type: string;
  /** What the guard did: `log`, `redact` or `block` (an `allow` is not recorded). */
  readonly action: "log" | "redact" | "block";
  /** Where: `system`, `user`, `assistant` or `tool` (a tool result) in the request, or `output` (the answer). */
  readonly where: "system" | "user" | "assistant" | "tool" | "output";
}
export type GuardVerdicts = readonly GuardVerdict[];

/** How the cache answered a call, when it did. */
export interface CacheHit {
  readonly kind: "exact" | "semantic";
  /** Cosine similarity to the cached request: 1 for an exact hit. */
  readonly similarity: number;
  /** What the cached answer cost when it was made (what this call saved), when priced. */
  readonly costSavedUsd: number | undefined;
}

/** The deployments a call may be served by, in the order they are tried. */
export interface RoutePlan {
  /** The model name the caller asked for. */
  readonly requested: string;
  /** In the order they are tried; the first is the choice. Never empty. */
  readonly deployments: readonly Deployment[];
  readonly decision: RouteDecision;
  /** False when the caller turned fallback off: only the first deployment is tried. */
  readonly fallback: boolean;
  /** Queue priority: higher is served first. */
  readonly priority: number;
}

/**
 * One request, from the moment a surface has it until its answer is sent.
 * The surface builds it; policies fill in what they learn (the key, the
 * plan, the deployment that served it) and register end hooks. It is also
 * the provider's view of the call (`requestId` and `signal`), so it is
 * handed to adapters as it is, with nothing copied per attempt.
 */
export interface Call {
  /** The caller's x-request-id, or one the gateway generated. */
  readonly requestId: string;
  /** Which surface received the call (`openai`, `rpc`), for the ledger, metrics and logs. */
  readonly surface: string;
  /** Fires when the caller goes away, its deadline passes or the gateway shuts down. */
  readonly signal: AbortSignal;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /**
   * performance.now() by which the call must be answered (the caller's own
   * deadline or the gateway's request timeout, whichever is sooner): the
   * signal fires then, and no retry is started that could not finish before.
   */
  readonly deadline: number;
  /** The API key the caller presented, if any; the auth policy checks it. */
  readonly credential: string | undefined;
  readonly op: Operation;
  /** Whether the caller wants the answer streamed (a REST body says so only once decoded). */
  stream: boolean;
  /** The canonical chat request, once decoded. */
  chat: ChatRequest | undefined;
  /** The canonical embeddings request, once decoded. */
  embed: EmbedRequest | undefined;
  /** The caller's own bytes, for a pass-through call; undefined for every translated one. */
  readonly raw: RawRequest | undefined;
  /**
   * Reads and decodes the caller's body into `chat` or `embed`. Surfaces that
   * read the body themselves set it, and the chain runs it after auth, so an
   * unauthenticated caller's body is never read and a malformed one is
   * accounted like any other refusal.
   */
  decode: (() => Promise<void>) | undefined;
  /** Set by the auth policy. */
  key: KeyInfo | undefined;
  /** Set by the rate-limit policy when any limit applies to the call, admitted or refused. */
  limits: CallLimits | undefined;
  /** Set by the route policy. */
  plan: RoutePlan | undefined;
  /** The deployment of the latest attempt. */
  served: Deployment | undefined;
  /** Time spent waiting in deployments' queues, ms. */
  queueMs: number;
  /** How many upstream attempts were made. */
  attempts: number;
  /** Attempts that went again to a deployment already tried in this call. */
  retries: number;
  /** Attempts that moved on to a later deployment of the plan. */
  fallbacks: number;
  /**
   * Time spent waiting on upstreams, ms, summed over attempts: a unary
   * attempt from sending its request to the answer's last byte, a stream's
   * up to its first token (the rest of a stream is the upstream's pace, not
   * ours), a failed attempt until it failed. What the overhead histogram
   * subtracts (telemetry/overhead.ts).
   */
  upstreamMs: number;
  /** Set by the guard policy when a rule matched (even when it then refused the call); undefined otherwise. */
  guard: GuardVerdicts | undefined;
  /** Set by the cache policy when the cache answered the call; undefined for a miss or a bypass. */
  cache: CacheHit | undefined;
  /** Hooks that fire once the call has ended, however it ended. */
  readonly end: EndHooks;
  /** The caller's W3C `traceparent` header, if it sent one; a traced call continues its trace. */
  readonly traceparent: string | undefined;
  /** The call's trace id (32 hex digits) while tracing is on, for the logs; "" when it is off. */
  traceId: string;
  /** The tracing policy's state for this call; undefined when tracing is off. */
  trace: CallTrace | undefined;
  /**
   * False when the caller sent `x-llmgw-log-payload: false`: the audit log
   * keeps no payload of this call (it can only ask for less, never for more).
   */
  readonly logPayload: boolean;
}

/** The model a call names, whatever its operation ("" before it is decoded). */
export function requestedModel(call: Call): string {
  return call.chat?.model ?? call.embed?.model ?? "";
}

/** What a surface knows when it builds a call. */
export type CallInit = Pick<
  Call,
  "requestId" | "surface" | "signal" | "startedAt" | "deadline" | "credential" | "op" | "stream"
> &
  Partial<Pick<Call, "chat" | "embed" | "decode" | "raw" | "logPayload" | "traceparent">>;

/** A new call with nothing learnt yet. Every call has the same shape, so the hot path stays monomorphic. */
export function createCall(init: CallInit): Call {
  return {
    requestId: init.requestId,
    surface: init.surface,
    signal: init.signal,
    startedAt: init.startedAt,
    deadline: init.deadline,
    credential: init.credential,
    op: init.op,
    stream: init.stream,
    chat: init.chat,
    embed: init.embed,
    decode: init.decode,
    raw: init.raw,
    key: undefined,
    limits: undefined,
    plan: undefined,
    served: undefined,
    attempts: 0,
    retries: 0,
    fallbacks: 0,
    upstreamMs: 0,
    queueMs: 0,
    guard: undefined,
    cache: undefined,
    end: new EndHooks(),
    logPayload: init.logPayload ?? true,
    traceparent: init.traceparent,
    traceId: "",
    trace: undefined,
  };
}
