import { afterEach, describe, expect, it, vi } from "vitest";
import { GatewayError } from "../../errors/gateway-error.ts";
import { createSlotQueue } from "./slot-queue.ts";

const never = new AbortController().signal;

function queue(maxConcurrency: number, maxQueue: number, queueTimeoutMs = 30_000) {
  return createSlotQueue({ maxConcurrency, maxQueue, queueTimeoutMs }, "local:llama");
}

/** Takes a slot that must be free, returning its release function. */
function take(slots: ReturnType<typeof queue>, priority = 0): () => void {
  const release = slots.acquire(priority, never);
  if (typeof release !== "function") throw new Error("expected a free slot");
  return release;
}

/** Queues a request and records, in `order`, `name` once it is granted. */
function wait(
  slots: ReturnType<typeof queue>,
  name: string,
  order: string[],
  priority = 0,
  signal = never,
): Promise<() => void> {
  const pending = slots.acquire(priority, signal);
  if (typeof pending === "function") throw new Error(`${name} should have waited`);
  return pending.then((release) => {
    order.push(name);
    return release;
  });
}

function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

afterEach(() => {
  vi.useRealTimers();
});

describe("createSlotQueue", () => {
  it("grants free slots synchronously and counts them", () => {
    const slots = queue(2, 1);
    const a = slots.acquire(0, never);
    const b = slots.acquire(0, never);
    expect(typeof a).toBe("function");
    expect(typeof b).toBe("function");
    expect(slots.active).toBe(2);
    expect(slots.depth).toBe(0);
    (a as () => void)();
    expect(slots.active).toBe(1);
    expect(typeof slots.acquire(0, never)).toBe("function");
  });

  it("serves waiters of one priority first come, first served", async () => {
    const slots = queue(1, 5);
    const first = take(slots);
    const order: string[] = [];
    const waiting = [wait(slots, "a", order), wait(slots, "b", order), wait(slots, "c", order)];
    expect(slots.depth).toBe(3);
    first();
    (await waiting[0])?.();
    (await waiting[1])?.();
    (await waiting[2])?.();
    expect(order).toEqual(["a", "b", "c"]);
    expect(slots.active).toBe(0);
    expect(slots.depth).toBe(0);
  });

  it("serves higher priorities first, FIFO within each", async () => {
    const slots = queue(1, 10);
    const first = take(slots);
    const order: string[] = [];
    const waiting = [
      wait(slots, "low-1", order, 0),
      wait(slots, "high-1", order, 5),
      wait(slots, "mid-1", order, 2),
      wait(slots, "high-2", order, 5),
      wait(slots, "low-2", order, 0),
      wait(slots, "mid-2", order, 2),
    ];
    // Each grantee releases as soon as it is served, which hands the slot on to the next.
    for (const w of waiting) void w.then((release) => release());
    first();
    await Promise.all(waiting);
    expect(order).toEqual(["high-1", "high-2", "mid-1", "mid-2", "low-1", "low-2"]);
    expect(slots.active).toBe(0);
  });

  it("lets a later, higher priority overtake waiters already queued", async () => {
    const slots = queue(1, 10);
    const first = take(slots);
    const order: string[] = [];
    const low = wait(slots, "low", order, 0);
    const urgent = wait(slots, "urgent", order, 1);
    first();
    (await urgent)();
    (await low)();
    expect(order).toEqual(["urgent", "low"]);
  });

  it("sheds synchronously with queue_full and a Retry-After once the queue is full", () => {
    const slots = queue(2, 1);
    take(slots);
    take(slots);
    const queued = slots.acquire(0, never);
    expect(queued).toBeInstanceOf(Promise);
    const error = thrown(() => slots.acquire(9, never));
    expect(error.code).toBe("queue_full");
    expect(error.message).toBe("local:llama is at max_concurrency 2 with 1 waiting");
    expect(error.retryAfterMs).toBe(1_000);
    expect(slots.depth).toBe(1);
  });

  it("with max_queue 0 sheds as soon as every slot is taken", () => {
    const slots = queue(1, 0);
    const release = take(slots);
    expect(thrown(() => slots.acquire(0, never)).code).toBe("queue_full");
    expect(slots.depth).toBe(0);
    release();
    expect(typeof slots.acquire(0, never)).toBe("function");
  });

  it("rejects a waiter with queue_timeout after queue_timeout_ms and removes it", async () => {
    vi.useFakeTimers();
    const slots = queue(1, 2, 500);
    const release = take(slots);
    const late = slots.acquire(0, never) as Promise<() => void>;
    const outcome = late.then(
      () => "granted",
      (error: GatewayError) => error.code,
    );
    await vi.advanceTimersByTimeAsync(499);
    expect(slots.depth).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toBe("queue_timeout");
    expect(slots.depth).toBe(0);
    // The slot it never got stays with its holder, then frees for a newcomer.
    expect(slots.active).toBe(1);
    release();
    expect(slots.active).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("names the provider in queue_full and queue_timeout when given one", async () => {
    vi.useFakeTimers();
    const slots = createSlotQueue(
      { maxConcurrency: 1, maxQueue: 1, queueTimeoutMs: 500 },
      "local:llama",
      "ollama",
    );
    take(slots);
    const late = (slots.acquire(0, never) as Promise<() => void>).catch((error: GatewayError) => error);
    const full = thrown(() => slots.acquire(0, never));
    expect([full.code, full.provider]).toEqual(["queue_full", "ollama"]);
    await vi.advanceTimersByTimeAsync(500);
    const timedOut = await late;
    expect(timedOut).toBeInstanceOf(GatewayError);
    expect([(timedOut as GatewayError).code, (timedOut as GatewayError).provider]).toEqual([
      "queue_timeout",
      "ollama",
    ]);
    // Without one, they name none.
    const anonymous = queue(1, 0);
    take(anonymous);
    expect(thrown(() => anonymous.acquire(0, never)).provider).toBeUndefined();
  });

  it("removes a waiter whose caller leaves, with the signal's reason, and serves the next", async () => {
    const slots = queue(1, 3);
    const release = take(slots);
    const order: string[] = [];
    const leaving = new AbortController();
    const gone = wait(slots, "gone", order, 0, leaving.signal);
    const next = wait(slots, "next", order, 0);
    const reason = new GatewayError("cancelled", "the client closed the connection");
    leaving.abort(reason);
    // Removed at once, not when the slot frees.
    expect(slots.depth).toBe(1);
    await expect(gone).rejects.toBe(reason);
    release();
    (await next)();
    expect(order).toEqual(["next"]);
    expect(slots.active).toBe(0);
  });

  it("turns an abort reason that is not a GatewayError into cancelled", async () => {
    const slots = queue(1, 1);
    take(slots);
    const leaving = new AbortController();
    const gone = slots.acquire(0, leaving.signal) as Promise<() => void>;
    leaving.abort();
    await expect(gone).rejects.toMatchObject({ code: "cancelled" });
    expect(slots.depth).toBe(0);
  });

  it("refuses an already aborted caller without queueing it, slot free or not", () => {
    const slots = queue(1, 1);
    const reason = new GatewayError("cancelled", "gone already");
    const aborted = AbortSignal.abort(reason);
    expect(thrown(() => slots.acquire(0, aborted))).toBe(reason);
    expect(slots.active).toBe(0);
    take(slots);
    expect(thrown(() => slots.acquire(0, aborted))).toBe(reason);
    expect(slots.depth).toBe(0);
  });

  it("ignores a second release", async () => {
    const slots = queue(2, 2);
    const a = take(slots);
    take(slots);
    a();
    a();
    expect(slots.active).toBe(1);
    // A repeated release never hands away a slot it no longer holds.
    const b = take(slots);
    const order: string[] = [];
    const waiting = wait(slots, "w", order);
    a();
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    expect(slots.depth).toBe(1);
    b();
    (await waiting)();
    expect(slots.active).toBe(1);
  });

  it("hands a freed slot to the waiter, not to a newcomer", async () => {
    const slots = queue(1, 2);
    const release = take(slots);
    const order: string[] = [];
    const waiting = wait(slots, "waiter", order);
    release();
    // The grant is still on its way (a promise), yet the slot is already the waiter's.
    expect(slots.active).toBe(1);
    expect(slots.depth).toBe(0);
    const newcomer = slots.acquire(0, never);
    expect(newcomer).toBeInstanceOf(Promise);
    (await waiting)();
    (await newcomer)();
    expect(slots.active).toBe(0);
  });

  it("clears the timer and the abort listener of a granted waiter", async () => {
    vi.useFakeTimers();
    const slots = queue(1, 1, 1_000);
    const release = take(slots);
    const controller = new AbortController();
    const waiting = slots.acquire(0, controller.signal) as Promise<() => void>;
    expect(vi.getTimerCount()).toBe(1);
    release();
    const granted = await waiting;
    expect(vi.getTimerCount()).toBe(0);
    // Aborting after the grant neither rejects anything nor disturbs the counts.
    controller.abort();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(slots.active).toBe(1);
    granted();
    expect(slots.active).toBe(0);
  });
});
