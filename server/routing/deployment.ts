import type { ModelFacts } from "./model-facts.ts";
import type { Route } from "./model-router.ts";

/** How long one attempt on a deployment may take, in ms. */
export interface DeploymentTimeouts {
  /** The whole attempt, from sending the request to the last byte. */
  readonly totalMs: number;
  /** From sending the request to the first token of a stream. */
  readonly ttftMs: number;
  /**
   * From sending a unary request to the first byte of its answer. Most
   * upstreams send nothing before the whole answer is ready, so this is the
   * deployment's own `ttft_ms` when it sets one, and otherwise the total
   * timeout (routing.timeouts.ttft_ms is for streams only, so that it does not
   * cut short a long unary generation).
   */
  readonly unaryFirstByteMs: number;
  /** The longest gap between two events of a stream. */
  readonly interTokenMs: number;
}

/** A bounded wait for one of a deployment's concurrency slots. */
export interface SlotQueue {
  /**
   * Takes a slot: at once when one is free (the release function is
   * returned synchronously), else in priority order, FIFO within a
   * priority. Throws `queue_full` at once when the queue is full; rejects
   * with `queue_timeout` after the queue timeout, and with the signal's
   * reason (the request removed from the queue) when it aborts.
   */
  acquire(priority: number, signal: AbortSignal): (() => void) | Promise<() => void>;
  /** Requests holding a slot. */
  readonly active: number;
  /** Requests waiting for one. */
  readonly depth: number;
}

/** A circuit breaker's state, as metrics and the routing service show it. */
export type BreakerState = "closed" | "open" | "half_open";

/** One deployment's circuit breaker. */
export interface Breaker {
  /**
   * What an attempt would meet now: "open" only while it would be refused
   * outright. Once an open circuit's half-open delay has passed it reads
   * "half_open" (its probe is due), even before an attempt has moved it
   * there, so routing that skips "open" deployments still sends the probe;
   * "half_open" may also mean the probe is out and `admit` will refuse.
   */
  readonly state: BreakerState;
  /**
   * Admits one attempt, or throws `circuit_open` when the circuit is open
   * (or half-open with its probe already out). The attempt must call the
   * returned function exactly once, with whether it failed.
   */
  admit(): (failed: boolean) => void;
}

/** What the gateway measures about a deployment from its own traffic. */
export interface DeploymentStats {
  /** Attempts on it right now (queued ones not counted). */
  inFlight: number;
  /** EWMA of the whole attempt's latency, ms; 0 before the first success. */
  latencyMs: number;
  /** EWMA of time to first token on streams, ms; 0 before the first stream. */
  ttftMs: number;
  /** EWMA of the gap between tokens on streams, ms. */
  interTokenMs: number;
  /** Attempts finished, and how many of them failed. */
  attempts: number;
  failures: number;
  /** Failures since the last success (passive outlier detection). */
  consecutiveFailures: number;
  /** Date.now() when the latest attempt finished; 0 before the first. */
  measuredAt: number;
}

/** Whether active probes reach the deployment's upstream. */
export interface DeploymentHealth {
  healthy: boolean;
  /** Why it is unhealthy, for the routing service. */
  reason: string;
  /** Date.now() of the latest probe, 0 before the first. */
  checkedAt: number;
}

/**
 * The live side of a deployment: what outlives a routing config update
 * (which replaces the deployment's settings, not what it has measured).
 */
export interface DeploymentLive {
  readonly stats: DeploymentStats;
  readonly health: DeploymentHealth;
  /** Undefined when the deployment sets no `max_concurrency`. */
  readonly queue: SlotQueue | undefined;
  /** Undefined when breakers are off. */
  readonly breaker: Breaker | undefined;
}

/**
 * One place a model can be served: a provider, the upstream's model name, and
 * the settings and facts routing needs. A model name the routing config does
 * not list still resolves to one deployment (the catalogue's route) with
 * default settings.
 */
export interface Deployment extends Route {
  /** Unique within its routed model; `provider:model` unless configured. */
  readonly id: string;
  readonly weight: number;
  /** 0 is tried first; higher tiers take overflow and failures. */
  readonly priority: number;
  readonly tags: readonly string[];
  /** Local hardware (tagged `local`, or a local server type such as Ollama or vLLM). */
  readonly local: boolean;
  /** 0 to 1 from config, for the virtual models' scores. */
  readonly quality: number | undefined;
  /** The catalogue's facts, with the deployment's own context window over them. */
  readonly facts: ModelFacts;
  readonly timeouts: DeploymentTimeouts;
  readonly live: DeploymentLive;
}

/** A deployment's queue settings, from its config. */
export interface QueueSettings {
  readonly maxConcurrency: number;
  readonly maxQueue: number;
  readonly queueTimeoutMs: number;
}

/** A breaker's settings, from `routing.breaker`. */
export interface BreakerSettings {
  readonly consecutiveFailures: number;
  readonly failureRatio: number;
  readonly ratioWindowMs: number;
  readonly ratioMinRequests: number;
  readonly halfOpenAfterMs: number;
}

/** Tells metrics when a deployment's breaker changes state. */
export type BreakerListener = (deploymentId: string, state: BreakerState) => void;
