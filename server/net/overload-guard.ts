import { monitorEventLoopDelay } from "node:perf_hooks";
import type { OverloadConfig } from "../config/overload-schema.ts";
import { oldGeneration, semiSpaceCapMiB } from "./old-generation.ts";

/** Why the guard is shedding; undefined while it admits. */
export type OverloadReason = "in_flight" | "event_loop_delay" | "heap" | "rss";

/** How many checks in a row must see the loop slow before requests are shed. */
const SLOW_CHECKS = 2;

/** What the sampler reads each interval; a unit test passes its own. */
export interface Sample {
  /** Mean event-loop delay since the last sample, ns (undefined when the loop is not watched). */
  readonly loopDelayNs: number | undefined;
  /** The old generation's use and limit (old-generation.ts): what V8 runs out of. */
  readonly heapUsed: number;
  readonly heapLimit: number;
  readonly rss: number;
}

/**
 * Admission control before any work on a request. The hot path is `admit()`:
 * one comparison on the in-flight count and one on a field. That field is set
 * by `check()`, which a timer runs every `sample_interval_ms`: it reads the
 * event-loop delay (a perf_hooks histogram, reset each time; over its limit
 * on two checks in a row, so one long pause is not taken for load) and
 * memory, so no request pays for measuring. An admitted request counts until it releases.
 */
export class OverloadGuard {
  readonly #config: OverloadConfig;
  readonly #maxInFlight: number;
  readonly #sample: () => Sample;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #stop: () => void = () => {};
  #inFlight = 0;
  /** Consecutive checks that saw the loop over its limit: one long pause (a GC, a start-up compile) is not load. */
  #slowChecks = 0;
  #pressure: OverloadReason | undefined;
  /** Requests shed, by reason, for the metrics. */
  readonly #shed: Record<OverloadReason, number> = { in_flight: 0, event_loop_delay: 0, heap: 0, rss: 0 };
  /** Called when shedding starts (with its reason) or stops (undefined), for a log line. */
  onChange: ((reason: OverloadReason | undefined) => void) | undefined;
  /** Bound once: the close listener of every admitted response, with no closure per request. */
  readonly release = (): void => {
    this.#inFlight--;
  };

  constructor(config: OverloadConfig, sample?: () => Sample) {
    this.#config = config;
    this.#maxInFlight = config.max_in_flight === 0 ? Number.POSITIVE_INFINITY : config.max_in_flight;
    if (sample !== undefined) {
      this.#sample = sample;
      return;
    }
    const histogram =
      config.max_event_loop_delay_ms > 0 ? monitorEventLoopDelay({ resolution: 10 }) : undefined;
    histogram?.enable();
    const semiSpaceMiB = semiSpaceCapMiB(process.execArgv, process.env.NODE_OPTIONS);
    this.#sample = () => readSample(histogram, semiSpaceMiB);
    const watched = histogram !== undefined || config.max_heap_ratio < 1 || config.max_rss_bytes > 0;
    if (!watched) return;
    this.#timer = setInterval(() => this.check(), config.sample_interval_ms);
    this.#timer.unref();
    this.#stop = () => histogram?.disable();
  }

  /** True (and counted) when a request may be served; whoever admitted it calls `release` at its end. */
  admit(): boolean {
    if (this.#inFlight < this.#maxInFlight && this.#pressure === undefined) {
      this.#inFlight++;
      return true;
    }
    this.#shed[this.#pressure ?? "in_flight"]++;
    return false;
  }

  /** Requests shed so far, by reason. */
  get shed(): Readonly<Record<OverloadReason, number>> {
    return this.#shed;
  }

  /** Reads the event-loop delay and memory, and decides whether new requests are shed until the next check. */
  check(): void {
    const now = this.#sample();
    const config = this.#config;
    const slow =
      config.max_event_loop_delay_ms > 0 && (now.loopDelayNs ?? 0) > config.max_event_loop_delay_ms * 1e6;
    this.#slowChecks = slow ? this.#slowChecks + 1 : 0;
    let pressure: OverloadReason | undefined;
    if (this.#slowChecks >= SLOW_CHECKS) pressure = "event_loop_delay";
    else if (config.max_heap_ratio < 1 && now.heapUsed > now.heapLimit * config.max_heap_ratio)
      pressure = "heap";
    else if (config.max_rss_bytes > 0 && now.rss > config.max_rss_bytes) pressure = "rss";
    if (pressure !== this.#pressure) this.onChange?.(pressure);
    this.#pressure = pressure;
  }

  /** Why the guard sheds right now, or undefined while it admits. */
  get reason(): OverloadReason | undefined {
    return this.#inFlight >= this.#maxInFlight ? "in_flight" : this.#pressure;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#stop();
  }
}

function readSample(
  histogram: ReturnType<typeof monitorEventLoopDelay> | undefined,
  semiSpaceMiB: number,
): Sample {
  const loopDelayNs = histogram === undefined || histogram.count === 0 ? undefined : histogram.mean;
  histogram?.reset();
  const old = oldGeneration(semiSpaceMiB);
  return {
    loopDelayNs,
    heapUsed: old.used,
    heapLimit: old.limit,
    rss: process.memoryUsage.rss(),
  };
}
