import { header, histogramLines, labels } from "./prometheus-text.ts";

/** The label values and measurements one finished request reports. */
export interface RequestOutcome {
  readonly surface: string;
  readonly provider: string;
  readonly model: string;
  readonly status: string;
  readonly latencySeconds: number;
  readonly ttftSeconds: number | undefined;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Everything counted for one (surface, provider, model, status). */
class Series {
  requests = 0;
  promptTokens = 0;
  completionTokens = 0;
  latencySum = 0;
  ttftSum = 0;
  ttftCount = 0;
  readonly latency = new Float64Array(BUCKETS.length);
  readonly ttft = new Float64Array(BUCKETS.length);

  readonly surface: string;
  readonly provider: string;
  readonly model: string;
  readonly status: string;

  constructor(surface: string, provider: string, model: string, status: string) {
    this.surface = surface;
    this.provider = provider;
    this.model = model;
    this.status = status;
  }
}

/**
 * The per-request metrics, kept as plain numbers in one series per label
 * combination and rendered as Prometheus text on scrape. Recording a request
 * is one map lookup and a few additions: prom-client's per-call label
 * handling and bucket search were a visible share of the request path's CPU.
 */
export class RequestMetrics {
  readonly #series = new Map<string, Series>();

  observe(o: RequestOutcome): void {
    const key = `${o.surface}\0${o.provider}\0${o.model}\0${o.status}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      series = new Series(o.surface, o.provider, o.model, o.status);
      this.#series.set(key, series);
    }
    series.requests++;
    series.promptTokens += o.promptTokens;
    series.completionTokens += o.completionTokens;
    series.latencySum += o.latencySeconds;
    bump(series.latency, o.latencySeconds);
    if (o.ttftSeconds !== undefined) {
      series.ttftSum += o.ttftSeconds;
      series.ttftCount++;
      bump(series.ttft, o.ttftSeconds);
    }
  }

  /** The metrics in Prometheus text format. Histograms and tokens are by provider and model. */
  render(): string {
    const byModel = new Map<string, Series[]>();
    let requests = header(
      "llmgw_requests_total",
      "counter",
      "Requests served, by surface, provider, model and outcome.",
    );
    for (const s of this.#series.values()) {
      const pairs = [
        ["surface", s.surface],
        ["provider", s.provider],
        ["model", s.model],
        ["status", s.status],
      ] as const;
      requests += `llmgw_requests_total${labels(pairs)} ${s.requests}\n`;
      const key = `${s.provider}\0${s.model}`;
      byModel.set(key, [...(byModel.get(key) ?? []), s]);
    }
    let latency = header("llmgw_request_duration_seconds", "histogram", "Time from request to last byte.");
    let ttft = header(
      "llmgw_time_to_first_token_seconds",
      "histogram",
      "Time from request to the first generated token of a stream.",
    );
    let tokens = header("llmgw_tokens_total", "counter", "Tokens processed, by kind (prompt or completion).");
    for (const group of byModel.values()) {
      const first = group[0] as Series;
      const pairs = [
        ["provider", first.provider],
        ["model", first.model],
      ] as const;
      const sum = (pick: (s: Series) => number) => group.reduce((total, s) => total + pick(s), 0);
      latency += histogramLines(
        "llmgw_request_duration_seconds",
        pairs,
        BUCKETS,
        merged(group, (s) => s.latency),
        sum((s) => s.latencySum),
        sum((s) => s.requests),
      );
      const ttftCount = sum((s) => s.ttftCount);
      if (ttftCount > 0) {
        ttft += histogramLines(
          "llmgw_time_to_first_token_seconds",
          pairs,
          BUCKETS,
          merged(group, (s) => s.ttft),
          sum((s) => s.ttftSum),
          ttftCount,
        );
      }
      tokens += `llmgw_tokens_total${labels([...pairs, ["kind", "prompt"]])} ${sum((s) => s.promptTokens)}\n`;
      tokens += `llmgw_tokens_total${labels([...pairs, ["kind", "completion"]])} ${sum((s) => s.completionTokens)}\n`;
    }
    return requests + latency + ttft + tokens;
  }
}

/** Counts a value into the first bucket whose upper bound holds it (values above the last go to +Inf only). */
function bump(counts: Float64Array, value: number): void {
  for (let i = 0; i < BUCKETS.length; i++) {
    if (value <= (BUCKETS[i] as number)) {
      counts[i] = (counts[i] as number) + 1;
      return;
    }
  }
}

function merged(group: Series[], pick: (s: Series) => Float64Array): Float64Array {
  const out = new Float64Array(BUCKETS.length);
  for (const s of group) {
    const counts = pick(s);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (counts[i] as number);
  }
  return out;
}
