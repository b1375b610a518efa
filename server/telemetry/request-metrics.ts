import {
  Histogram,
  INTER_TOKEN_BUCKETS,
  LATENCY_BUCKETS,
  OVERHEAD_BUCKETS,
  TOKENS_PER_SECOND_BUCKETS,
} from "./histogram.ts";
import { header, labels } from "./prometheus-text.ts";

/** The label values and measurements one finished request reports. */
export interface RequestOutcome {
  readonly surface: string;
  readonly provider: string;
  readonly model: string;
  readonly status: string;
  /** `exact`, `semantic`, or `none` for a call the cache did not answer. */
  readonly cache: string;
  /** The key's name when per-key metrics are on; "" otherwise (and for unauthenticated calls). */
  readonly key: string;
  readonly stream: boolean;
  readonly latencySeconds: number;
  readonly ttftSeconds: number | undefined;
  /** Mean gap between streamed tokens, when a stream had at least two. */
  readonly interTokenSeconds: number | undefined;
  /** Completion tokens over generation time, when the call produced any. */
  readonly tokensPerSecond: number | undefined;
  /** Time in the gateway itself (telemetry/overhead.ts). */
  readonly overheadSeconds: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  readonly reasoningTokens: number;
  readonly costUsd: number;
  readonly retries: number;
  readonly fallbacks: number;
}

/** Everything counted for one (surface, provider, model, status, cache, key). */
class Series {
  requests = 0;
  promptTokens = 0;
  completionTokens = 0;
  cachedTokens = 0;
  reasoningTokens = 0;
  costUsd = 0;
  retries = 0;
  fallbacks = 0;
  readonly latency = new Histogram(LATENCY_BUCKETS);
  readonly ttft = new Histogram(LATENCY_BUCKETS);
  readonly interToken = new Histogram(INTER_TOKEN_BUCKETS);
  readonly tokensPerSecond = new Histogram(TOKENS_PER_SECOND_BUCKETS);
  readonly o: RequestOutcome;

  /** The first outcome of the series, kept for its label values. */
  constructor(first: RequestOutcome) {
    this.o = first;
  }
}

/** The families that are by provider and model (and key, when per-key metrics are on). */
class ModelGroup {
  readonly series: Series[] = [];
  readonly pairs: Array<[string, string]>;
  constructor(s: Series) {
    this.pairs = [
      ["provider", s.o.provider],
      ["model", s.o.model],
    ];
    if (s.o.key !== "") this.pairs.push(["key", s.o.key]);
  }

  total(pick: (s: Series) => number): number {
    let sum = 0;
    for (const s of this.series) sum += pick(s);
    return sum;
  }
}

/**
 * The per-request metrics, kept as plain numbers in one series per label
 * combination and rendered as Prometheus text on scrape. Recording a request
 * is two map lookups and a few additions. The request counter is by surface,
 * provider, model, status and cache; the histograms, tokens and cost are by
 * provider and model (and key when `metrics.per_key` is on); the overhead
 * histogram is by surface and mode (unary or stream), because a stream's
 * overhead is measured to its first token.
 */
export class RequestMetrics {
  readonly #series = new Map<string, Series>();
  readonly #overhead = new Map<string, { surface: string; mode: string; h: Histogram }>();

  observe(o: RequestOutcome): void {
    const id = `${o.surface}\0${o.provider}\0${o.model}\0${o.status}\0${o.cache}\0${o.key}`;
    let s = this.#series.get(id);
    if (s === undefined) {
      s = new Series(o);
      this.#series.set(id, s);
    }
    s.requests++;
    s.promptTokens += o.promptTokens;
    s.completionTokens += o.completionTokens;
    s.cachedTokens += o.cachedTokens;
    s.reasoningTokens += o.reasoningTokens;
    s.costUsd += o.costUsd;
    s.retries += o.retries;
    s.fallbacks += o.fallbacks;
    s.latency.observe(o.latencySeconds);
    if (o.ttftSeconds !== undefined) s.ttft.observe(o.ttftSeconds);
    if (o.interTokenSeconds !== undefined) s.interToken.observe(o.interTokenSeconds);
    if (o.tokensPerSecond !== undefined) s.tokensPerSecond.observe(o.tokensPerSecond);
    const mode = o.stream ? "stream" : "unary";
    const oid = `${o.surface}\0${mode}`;
    let overhead = this.#overhead.get(oid);
    if (overhead === undefined) {
      overhead = { surface: o.surface, mode, h: new Histogram(OVERHEAD_BUCKETS) };
      this.#overhead.set(oid, overhead);
    }
    overhead.h.observe(o.overheadSeconds);
  }

  /** The metrics in Prometheus text format. */
  render(): string {
    const groups = new Map<string, ModelGroup>();
    const refusals = { rate_limited: 0, budget_exhausted: 0 };
    let requests = header(
      "llmgw_requests_total",
      "counter",
      "Requests served, by surface, provider, model, outcome and cache kind.",
    );
    for (const s of this.#series.values()) {
      const o = s.o;
      const pairs: Array<[string, string]> = [
        ["surface", o.surface],
        ["provider", o.provider],
        ["model", o.model],
        ["status", o.status],
        ["cache", o.cache],
      ];
      if (o.key !== "") pairs.push(["key", o.key]);
      requests += `llmgw_requests_total${labels(pairs)} ${s.requests}\n`;
      if (o.status === "rate_limited" || o.status === "budget_exhausted") refusals[o.status] += s.requests;
      const gid = `${o.provider}\0${o.model}\0${o.key}`;
      let group = groups.get(gid);
      if (group === undefined) {
        group = new ModelGroup(s);
        groups.set(gid, group);
      }
      group.series.push(s);
    }
    let out = requests;
    out += header(
      "llmgw_refusals_total",
      "counter",
      "Requests refused by the gateway's own limits: rate_limited or budget_exhausted.",
    );
    for (const [reason, count] of Object.entries(refusals))
      out += `llmgw_refusals_total${labels([["reason", reason]])} ${count}\n`;
    out += this.#renderGroups(groups);
    out += header(
      "llmgw_gateway_overhead_seconds",
      "histogram",
      "Time spent in the gateway itself, upstream time excluded; streams are measured to their first token (docs/observability.md).",
    );
    for (const { surface, mode, h } of this.#overhead.values())
      out += h.render("llmgw_gateway_overhead_seconds", [
        ["surface", surface],
        ["mode", mode],
      ]);
    return out;
  }

  #renderGroups(groups: Map<string, ModelGroup>): string {
    let out = "";
    for (const [name, help, pick] of HISTOGRAMS) {
      out += header(name, "histogram", help);
      for (const group of groups.values()) {
        const series = group.series;
        const merged = new Histogram(pick(series[0] as Series).bounds);
        for (const s of series) merged.add(pick(s));
        out += merged.render(name, group.pairs);
      }
    }
    out += header(
      "llmgw_tokens_total",
      "counter",
      "Tokens processed, by kind (prompt, completion, cached prompt, reasoning).",
    );
    for (const group of groups.values())
      for (const [kind, pick] of TOKEN_KINDS)
        out += `llmgw_tokens_total${labels([...group.pairs, ["kind", kind]])} ${group.total(pick)}\n`;
    for (const [name, help, pick] of COUNTERS) {
      out += header(name, "counter", help);
      for (const group of groups.values()) out += `${name}${labels(group.pairs)} ${group.total(pick)}\n`;
    }
    return out;
  }
}

type SeriesValue<T> = (s: Series) => T;

const HISTOGRAMS: ReadonlyArray<readonly [string, string, SeriesValue<Histogram>]> = [
  ["llmgw_request_duration_seconds", "Time from request to last byte.", (s) => s.latency],
  [
    "llmgw_time_to_first_token_seconds",
    "Time from request to the first token (for a unary call, its whole answer).",
    (s) => s.ttft,
  ],
  [
    "llmgw_inter_token_latency_seconds",
    "Mean gap between a stream's tokens, one observation per stream.",
    (s) => s.interToken,
  ],
  [
    "llmgw_tokens_per_second",
    "Completion tokens over generation time (after the first token for a stream), per request.",
    (s) => s.tokensPerSecond,
  ],
];

const COUNTERS: ReadonlyArray<readonly [string, string, SeriesValue<number>]> = [
  ["llmgw_cost_usd_total", "What served requests cost, in US dollars.", (s) => s.costUsd],
  [
    "llmgw_retries_total",
    "Upstream attempts that went again to a deployment already tried.",
    (s) => s.retries,
  ],
  [
    "llmgw_fallbacks_total",
    "Upstream attempts that moved on to a later deployment of the plan.",
    (s) => s.fallbacks,
  ],
];

const TOKEN_KINDS: ReadonlyArray<readonly [string, (s: Series) => number]> = [
  ["prompt", (s) => s.promptTokens],
  ["completion", (s) => s.completionTokens],
  ["cached", (s) => s.cachedTokens],
  ["reasoning", (s) => s.reasoningTokens],
];
