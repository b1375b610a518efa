/**
 * The gateway's `routing` config section, as `RoutingService` carries it in
 * a `google.protobuf.Struct`: the config file's shape, snake_case keys. A
 * field left out takes its default; `GetRoutingConfig` and
 * `UpdateRoutingConfig` answer with every default filled in. An update
 * replaces the whole section, so send what you got back, changed.
 */

/** The strategies a routed model may use. */
export type RoutingStrategyName = "weighted" | "least-busy" | "latency" | "ttft" | "cost";

/** Per-attempt timeouts, ms. */
export interface RoutingTimeoutsJson {
  /** The whole attempt, first byte to last. */
  total_ms?: number;
  /** From sending the request to the first token. */
  ttft_ms?: number;
  /** The longest gap between two events of a stream. */
  inter_token_ms?: number;
}

/** One place a routed model can be served. */
export interface DeploymentConfigJson {
  /** A name for this deployment; defaults to `provider:model`. Live statistics are kept by it. */
  id?: string;
  /** A provider's name from the config file's `providers`. */
  provider: string;
  /** The model name the upstream knows. */
  model: string;
  /** Share of traffic under the weighted strategy (default 1). */
  weight?: number;
  /** Tier: 0 is tried first; higher tiers take overflow and failures (default 0). */
  priority?: number;
  /** e.g. local, eu, zdr; `local` marks a local model. */
  tags?: string[];
  /** Requests in flight at once; unset means no limit and no queue. */
  max_concurrency?: number;
  /** Requests waiting for a slot beyond that (default 0). */
  max_queue?: number;
  /** The longest a request waits in the queue (default 30000). */
  queue_timeout_ms?: number;
  /** 0 to 1, for the virtual models' scores. */
  quality?: number;
  /** Overrides the catalogue's. */
  context_window?: number;
  timeouts?: RoutingTimeoutsJson;
}

/** A model name callers use, and the deployments that serve it. */
export interface RoutedModelJson {
  name: string;
  /** Defaults to the section's `strategy`. */
  strategy?: RoutingStrategyName;
  deployments: DeploymentConfigJson[];
  /** Other routed models to try, in order, when every deployment fails. */
  fallbacks?: string[];
}

export interface RoutingConfigJson {
  /** The default strategy (default weighted). */
  strategy?: RoutingStrategyName;
  models?: RoutedModelJson[];
  retry?: {
    /** Attempts in all, the first included (default 3). */
    max_attempts?: number;
    base_delay_ms?: number;
    max_delay_ms?: number;
    /** The longest upstream Retry-After waited for. */
    max_retry_after_ms?: number;
  };
  /** The defaults of every deployment's timeouts. */
  timeouts?: RoutingTimeoutsJson;
  breaker?: {
    enabled?: boolean;
    consecutive_failures?: number;
    failure_ratio?: number;
    ratio_window_ms?: number;
    ratio_min_requests?: number;
    half_open_after_ms?: number;
  };
  health?: {
    /** 0 turns active probes off. */
    probe_interval_ms?: number;
    probe_timeout_ms?: number;
    /** Failed probes in a row. */
    unhealthy_after?: number;
  };
  /** The virtual models auto, fast, cheap and quality. */
  virtual?: {
    enabled?: boolean;
    /** Routed models whose deployments they choose from; empty means all. */
    pool?: string[];
    /** A local deployment scoring at least this share of the best wins (default 0.7). */
    prefer_local_share?: number;
  };
  /** Score the virtual models on each model's accuracy in its latest benchmark run, in place of `quality`. */
  benchmark_quality?: boolean;
}
