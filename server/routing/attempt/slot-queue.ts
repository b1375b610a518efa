import { GatewayError } from "../../errors/gateway-error.ts";
import type { QueueSettings, SlotQueue } from "../deployment.ts";

/**
 * The Retry-After a shed request gets. The queue does not measure how long
 * a slot is held, so it cannot predict when one frees up; it suggests the
 * shortest wait `Retry-After` can say (one second). Shedding is cheap, so a
 * caller that retries early and is shed again costs the deployment nothing.
 */
const SHED_RETRY_AFTER_MS = 1_000;

/** The waiters of one priority, oldest first. */
interface Lane {
  readonly priority: number;
  head: Waiter | undefined;
  tail: Waiter | undefined;
}

/**
 * A request waiting for a slot: a node of its lane's list, so that leaving
 * the queue from anywhere in it is O(1). It is its own abort listener
 * (`handleEvent`) and its timer's argument, so waiting allocates no closures
 * besides the promise's.
 */
class Waiter {
  readonly queue: Slots;
  readonly lane: Lane;
  readonly signal: AbortSignal;
  readonly resolve: (release: () => void) => void;
  readonly reject: (reason: GatewayError) => void;
  timer: NodeJS.Timeout | undefined;
  prev: Waiter | undefined;
  next: Waiter | undefined;

  constructor(
    queue: Slots,
    lane: Lane,
    signal: AbortSignal,
    resolve: (release: () => void) => void,
    reject: (reason: GatewayError) => void,
  ) {
    this.queue = queue;
    this.lane = lane;
    this.signal = signal;
    this.resolve = resolve;
    this.reject = reject;
    this.timer = undefined;
    this.prev = lane.tail;
    this.next = undefined;
  }

  /** The caller left: out of the queue at once. */
  handleEvent(): void {
    this.queue.leave(this, abortError(this.signal));
  }
}

function expire(waiter: Waiter): void {
  waiter.queue.leave(waiter, waiter.queue.timeoutError());
}

/**
 * Why an aborted caller's request stops: the gateway's own reason when it
 * set one (the surfaces abort with a GatewayError), else a cancellation.
 */
function abortError(signal: AbortSignal): GatewayError {
  const reason: unknown = signal.reason;
  if (reason instanceof GatewayError) return reason;
  return new GatewayError("cancelled", "the caller cancelled the request", { cause: reason });
}

/**
 * `maxConcurrency` slots and a bounded wait for them. Waiters sit in lanes,
 * one per priority present, highest first; a lane is dropped when it empties,
 * so there are never more lanes than waiters.
 */
class Slots implements SlotQueue {
  readonly #id: string;
  readonly #provider: string | undefined;
  readonly #maxConcurrency: number;
  readonly #maxQueue: number;
  readonly #timeoutMs: number;
  readonly #lanes: Lane[] = [];
  #active = 0;
  #depth = 0;

  constructor(settings: QueueSettings, deploymentId: string, provider: string | undefined) {
    this.#id = deploymentId;
    this.#provider = provider;
    this.#maxConcurrency = settings.maxConcurrency;
    this.#maxQueue = settings.maxQueue;
    this.#timeoutMs = settings.queueTimeoutMs;
  }

  get active(): number {
    return this.#active;
  }

  get depth(): number {
    return this.#depth;
  }

  acquire(priority: number, signal: AbortSignal): (() => void) | Promise<() => void> {
    if (signal.aborted) throw abortError(signal);
    // A waiter means every slot is taken (a freed slot goes straight to the
    // next waiter), so a newcomer never overtakes the queue.
    if (this.#active < this.#maxConcurrency && this.#depth === 0) {
      this.#active++;
      return this.#releaser();
    }
    if (this.#depth >= this.#maxQueue) {
      throw new GatewayError(
        "queue_full",
        `${this.#id} is at max_concurrency ${this.#maxConcurrency} with ${this.#depth} waiting`,
        { retryAfterMs: SHED_RETRY_AFTER_MS, provider: this.#provider },
      );
    }
    return new Promise((resolve, reject) => {
      const lane = this.#lane(priority);
      const waiter = new Waiter(this, lane, signal, resolve, reject);
      if (lane.tail === undefined) lane.head = waiter;
      else lane.tail.next = waiter;
      lane.tail = waiter;
      this.#depth++;
      waiter.timer = setTimeout(expire, this.#timeoutMs, waiter);
      signal.addEventListener("abort", waiter, { once: true });
    });
  }

  /** Takes a waiter out of the queue and fails it. @private */
  leave(waiter: Waiter, reason: GatewayError): void {
    this.#unlink(waiter);
    waiter.reject(reason);
  }

  /** @private */
  timeoutError(): GatewayError {
    return new GatewayError(
      "queue_timeout",
      `no slot of ${this.#id} came free within queue_timeout_ms (${this.#timeoutMs} ms)`,
      { provider: this.#provider },
    );
  }

  /** A release function for one slot; calling it again does nothing. */
  #releaser(): () => void {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#release();
    };
  }

  /** Hands the slot to the next waiter, highest priority and oldest first, or frees it. */
  #release(): void {
    const next = this.#lanes[0]?.head;
    if (next === undefined) {
      this.#active--;
      return;
    }
    this.#unlink(next);
    next.resolve(this.#releaser());
  }

  /** The lane of `priority`, made (in order) if no waiter has it. */
  #lane(priority: number): Lane {
    const lanes = this.#lanes;
    let at = 0;
    while (at < lanes.length && (lanes[at] as Lane).priority > priority) at++;
    const found = lanes[at];
    if (found !== undefined && found.priority === priority) return found;
    const lane: Lane = { priority, head: undefined, tail: undefined };
    lanes.splice(at, 0, lane);
    return lane;
  }

  /** Out of its lane (dropping the lane once empty), its timer and abort listener gone. */
  #unlink(waiter: Waiter): void {
    const lane = waiter.lane;
    if (waiter.prev === undefined) lane.head = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === undefined) lane.tail = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = undefined;
    waiter.next = undefined;
    if (lane.head === undefined) this.#lanes.splice(this.#lanes.indexOf(lane), 1);
    this.#depth--;
    clearTimeout(waiter.timer);
    waiter.signal.removeEventListener("abort", waiter);
  }
}

/**
 * A deployment's concurrency slots with a bounded, prioritised wait for
 * them. A free slot is taken synchronously; otherwise the request waits,
 * higher `priority` first and FIFO within one, for at most
 * `queueTimeoutMs`, and only while fewer than `maxQueue` already wait
 * (`maxQueue: 0` sheds as soon as every slot is taken). A freed slot goes
 * straight to the next waiter; once its promise has resolved, the slot is
 * the waiter's to release, even if its caller has left since. The
 * `queue_full` and `queue_timeout` errors name `provider` when given.
 */
export function createSlotQueue(settings: QueueSettings, deploymentId: string, provider?: string): SlotQueue {
  return new Slots(settings, deploymentId, provider);
}
