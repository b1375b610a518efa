import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type UsageEvent, UsageEventSchema } from "../../gen/llmgw/v1/usage_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import { type Call, type KeyInfo, requestedModel } from "./call.ts";
import type { Policy } from "./chain.ts";
import type { EndHook, Outcome } from "./end-hooks.ts";

/** What a watcher asked for; "" matches everything. */
export interface UsageFilter {
  readonly key: string;
  readonly model: string;
  readonly team: string;
}

/** Events a watcher may fall behind by before it is dropped. */
export const WATCHER_BUFFER = 1_024;

/** The most events one batch holds (`batch_ms`): a busy gateway sends batches sooner, not bigger. */
export const BATCH_MAX = 256;

/** The longest batch window a watcher may ask for. */
export const MAX_BATCH_MS = 60_000;

/** A watch: its events one by one, or (for a dashboard) grouped by time window. */
export interface UsageWatch extends AsyncIterable<UsageEvent> {
  /** The events grouped: those that end within `windowMs` of a batch's first, at most BATCH_MAX. */
  batches(windowMs: number): AsyncIterable<UsageEvent[]>;
}

/**
 * The live usage feed behind `UsageService.WatchUsage`: every request's
 * end, pushed at once to the watchers whose filter it matches. Each watcher
 * has a bounded buffer; one that falls behind by more is dropped with
 * `watcher_too_slow`, so a slow dashboard never holds a request or the
 * gateway's memory. With nobody watching, a request costs one check.
 */
export class UsageFeed {
  readonly #watchers = new Set<UsageWatcher>();
  readonly #capacity: number;

  constructor(capacity = WATCHER_BUFFER) {
    this.#capacity = capacity;
  }

  /** Whether anyone is watching. */
  get watching(): boolean {
    return this.#watchers.size > 0;
  }

  /**
   * Starts watching for `caller`: admin keys may filter on any key (or
   * none), others see only their own requests. Ends when `signal` fires.
   */
  watch(caller: KeyInfo, filter: UsageFilter, signal: AbortSignal): UsageWatch {
    if (!caller.admin && filter.key !== "" && filter.key !== caller.name)
      throw new GatewayError("permission_denied", "only admin keys may watch another key's usage", {
        param: "key",
      });
    const own = caller.admin ? filter : { ...filter, key: caller.name };
    const watcher = new UsageWatcher(own, this.#capacity, () => this.#watchers.delete(watcher));
    this.#watchers.add(watcher);
    signal.addEventListener("abort", () => watcher.close(), { once: true });
    if (signal.aborted) watcher.close();
    return watcher;
  }

  /** Tells the watchers a request has ended. */
  publish(outcome: Outcome, call: Call): void {
    let event: UsageEvent | undefined;
    for (const watcher of this.#watchers) {
      if (!watcher.matches(call, outcome)) continue;
      event ??= usageEvent(outcome, call);
      watcher.push(event);
    }
  }
}

/** Registers the feed's end hook on calls that start while someone watches. */
export function usageFeedPolicy(feed: UsageFeed): Policy {
  const publish: EndHook = (outcome, call) => feed.publish(outcome, call);
  return (next) => (call) => {
    if (feed.watching) call.end.onEnd(publish);
    return next(call);
  };
}

/** One request's end as the wire event. */
export function usageEvent(outcome: Outcome, call: Call): UsageEvent {
  const served = outcome.served;
  return create(UsageEventSchema, {
    requestId: call.requestId,
    time: timestampFromMs(Date.now()),
    key: call.key?.name ?? "",
    team: call.key?.team ?? "",
    surface: call.surface,
    provider: served?.provider ?? "",
    model: served?.model ?? requestedModel(call),
    deployment: served?.id ?? "",
    status: outcome.status,
    usage: outcome.usage,
    costUsd: outcome.costUsd,
    latencyMs: outcome.latencyMs,
    ttftMs: outcome.ttftMs,
    attempts: outcome.attempts,
    cacheKind: call.cache?.kind ?? "",
    traceId: call.traceId,
  });
}

/** One watcher: a bounded buffer read as an async iterable. */
class UsageWatcher implements UsageWatch {
  readonly #filter: UsageFilter;
  readonly #capacity: number;
  readonly #leave: () => void;
  readonly #buffer: UsageEvent[] = [];
  #wake: (() => void) | undefined;
  /** How many buffered events wake the reader: 1, or BATCH_MAX while a batch's window is open. */
  #wakeAt = 1;
  #closed = false;
  #failure: GatewayError | undefined;

  constructor(filter: UsageFilter, capacity: number, leave: () => void) {
    this.#filter = filter;
    this.#capacity = capacity;
    this.#leave = leave;
  }

  matches(call: Call, outcome: Outcome): boolean {
    const { key, model, team } = this.#filter;
    if (key !== "" && call.key?.name !== key) return false;
    if (team !== "" && call.key?.team !== team) return false;
    if (model !== "" && requestedModel(call) !== model && outcome.served?.model !== model) return false;
    return true;
  }

  push(event: UsageEvent): void {
    if (this.#closed) return;
    if (this.#buffer.length >= this.#capacity) {
      this.#failure = new GatewayError(
        "watcher_too_slow",
        `the watcher fell ${this.#capacity} events behind and was dropped; watch again`,
      );
      this.close();
      return;
    }
    this.#buffer.push(event);
    if (this.#buffer.length >= this.#wakeAt) this.#wakeUp();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#leave();
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<UsageEvent> {
    try {
      for (;;) {
        if (this.#failure !== undefined) throw this.#failure;
        const event = this.#buffer.shift();
        if (event !== undefined) {
          yield event;
          continue;
        }
        if (this.#closed) return;
        await this.#next();
      }
    } finally {
      this.close();
    }
  }

  async *batches(windowMs: number): AsyncIterable<UsageEvent[]> {
    try {
      for (;;) {
        if (this.#failure !== undefined) throw this.#failure;
        if (this.#buffer.length === 0) {
          if (this.#closed) return;
          await this.#next();
          continue;
        }
        // A batch has begun: hold it open for the window, unless it fills or the watch ends.
        this.#wakeAt = BATCH_MAX;
        if (!this.#closed && this.#buffer.length < BATCH_MAX) await this.#next(windowMs);
        this.#wakeAt = 1;
        if (this.#failure !== undefined) throw this.#failure;
        yield this.#buffer.splice(0, BATCH_MAX);
      }
    } finally {
      this.close();
    }
  }

  /** Waits for the next wake-up (an event, a full batch, the end), or `ms` at most. */
  #next(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (ms === undefined) {
        this.#wake = resolve;
        return;
      }
      const timer = setTimeout(() => this.#wakeUp(), ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
