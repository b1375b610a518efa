import { afterEach, describe, expect, it } from "vitest";
import type { LimitStore, LimitTake, TakeOutcome } from "./limit-store.ts";

const MINUTE = 60_000;
/** 15 s into a minute, so a one-minute window has 45 s left. */
const T0 = Date.UTC(2026, 0, 1, 10, 0, 15);
const T0_MINUTE = Date.UTC(2026, 0, 1, 10, 0, 0);

/**
 * Opens `replicas` stores that share one empty state (fresh for each call):
 * separate connections to one Redis, or the one memory store handed out
 * `replicas` times, since memory is shared only within a process.
 */
export type OpenLimitStores = (replicas: number) => Promise<LimitStore[]>;

function rpm(key: string, limit: number, cost = 1): LimitTake {
  return { key, cost, limit, windowMs: MINUTE };
}

function inFlight(key: string, limit: number): LimitTake {
  return { key, cost: 1, limit, windowMs: 0 };
}

function admittedCount(outcomes: readonly TakeOutcome[]): number {
  return outcomes.filter((o) => o.admitted).length;
}

/** What every `LimitStore` backend must do, whatever holds the counters. */
export function limitStoreContract(name: string, open: OpenLimitStores): void {
  describe(`LimitStore contract: ${name}`, () => {
    const opened: LimitStore[] = [];
    const fresh = async (replicas = 1) => {
      const stores = await open(replicas);
      opened.push(...new Set(stores));
      return stores;
    };
    const one = async () => (await fresh(1))[0] as LimitStore;
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it("takes from a counter and reports remaining, reset and the window's start", async () => {
      const store = await one();
      const outcome = await store.take([rpm("k", 10, 3)], T0);
      expect(outcome).toEqual({
        admitted: true,
        refusedBy: -1,
        retryAfterMs: 0,
        states: [{ key: "k", limit: 10, remaining: 7, resetMs: 45_000, windowStart: T0_MINUTE }],
      });
      const second = await store.take([rpm("k", 10, 7)], T0 + 5_000);
      expect(second.admitted).toBe(true);
      expect(second.states[0]).toMatchObject({ remaining: 0, resetMs: 40_000 });
    });

    it("refuses a take that does not fit, with the wait until the window ends, and takes nothing", async () => {
      const store = await one();
      await store.take([rpm("tpm", 1_000, 600)], T0);
      const refused = await store.take([rpm("tpm", 1_000, 500)], T0 + 1_000);
      expect(refused).toEqual({
        admitted: false,
        refusedBy: 0,
        retryAfterMs: 44_000,
        states: [{ key: "tpm", limit: 1_000, remaining: 400, resetMs: 44_000, windowStart: T0_MINUTE }],
      });
      const fits = await store.take([rpm("tpm", 1_000, 400)], T0 + 2_000);
      expect(fits.admitted).toBe(true);
      expect(fits.states[0]?.remaining).toBe(0);
    });

    it("is all or nothing: one full counter means nothing is taken from the others", async () => {
      const store = await one();
      await store.take([rpm("team", 1)], T0);
      const refused = await store.take([rpm("key", 10), rpm("team", 1), rpm("global", 100)], T0);
      expect(refused.admitted).toBe(false);
      expect(refused.refusedBy).toBe(1);
      expect(refused.states.map((s) => s.remaining)).toEqual([10, 0, 100]);
      const after = await store.take([rpm("key", 10), rpm("global", 100)], T0);
      expect(after.states.map((s) => s.remaining)).toEqual([9, 99]);
    });

    it("counts a counter named twice in one take against itself", async () => {
      const store = await one();
      const twice = await store.take([rpm("k", 1), rpm("k", 1)], T0);
      expect(twice.admitted).toBe(false);
      expect(twice.refusedBy).toBe(1);
      expect((await store.take([rpm("k", 1)], T0)).admitted).toBe(true);
    });

    it("starts afresh when the window rolls over, and not a millisecond before", async () => {
      const store = await one();
      expect((await store.take([rpm("k", 2, 2)], T0)).admitted).toBe(true);
      const lastMs = await store.take([rpm("k", 2)], T0_MINUTE + MINUTE - 1);
      expect(lastMs).toMatchObject({ admitted: false, retryAfterMs: 1 });
      const next = await store.take([rpm("k", 2)], T0_MINUTE + MINUTE);
      expect(next.admitted).toBe(true);
      expect(next.states[0]).toMatchObject({
        remaining: 1,
        resetMs: MINUTE,
        windowStart: T0_MINUTE + MINUTE,
      });
    });

    it("aligns windows to the epoch, so a 15-minute window is the same on every replica", async () => {
      const [a, b] = await fresh(2);
      const window = 15 * MINUTE;
      const global = { key: "global", cost: 1, limit: 1_000, windowMs: window };
      const first = await (a as LimitStore).take([global], Date.UTC(2026, 0, 1, 10, 7));
      const second = await (b as LimitStore).take([global], Date.UTC(2026, 0, 1, 10, 14, 59));
      expect(first.states[0]).toMatchObject({ windowStart: Date.UTC(2026, 0, 1, 10), resetMs: 8 * MINUTE });
      expect(second.states[0]).toMatchObject({ windowStart: Date.UTC(2026, 0, 1, 10), remaining: 998 });
    });

    it("adjusts a window by the real count, never below zero", async () => {
      const store = await one();
      const taken = await store.take([rpm("tpm", 1_000, 800)], T0);
      const start = taken.states[0]?.windowStart as number;
      await store.adjust([{ key: "tpm", windowMs: MINUTE, windowStart: start, delta: -500 }]);
      expect((await store.take([rpm("tpm", 1_000, 700)], T0)).admitted).toBe(true);
      await store.adjust([{ key: "tpm", windowMs: MINUTE, windowStart: start, delta: 200 }]);
      const over = await store.take([rpm("tpm", 1_000, 1)], T0);
      expect(over).toMatchObject({ admitted: false });
      expect(over.states[0]?.remaining).toBe(0);
      await store.adjust([{ key: "tpm", windowMs: MINUTE, windowStart: start, delta: -5_000 }]);
      expect((await store.take([rpm("tpm", 1_000, 1_000)], T0)).admitted).toBe(true);
    });

    it("leaves a newer window alone when adjusting one that has ended", async () => {
      const store = await one();
      const old = await store.take([rpm("tpm", 100, 100)], T0);
      await store.take([rpm("tpm", 100, 100)], T0 + MINUTE);
      await store.adjust([
        { key: "tpm", windowMs: MINUTE, windowStart: old.states[0]?.windowStart as number, delta: -100 },
      ]);
      expect((await store.take([rpm("tpm", 100)], T0 + MINUTE)).admitted).toBe(false);
    });

    it("settles several counters in one adjust, skipping those nobody took from", async () => {
      const store = await one();
      const taken = await store.take(
        [rpm("tpm-a", 1_000, 600), rpm("tpm-b", 1_000, 600), inFlight("c", 1)],
        T0,
      );
      const start = taken.states[0]?.windowStart as number;
      await store.adjust([
        { key: "tpm-a", windowMs: MINUTE, windowStart: start, delta: -500 },
        { key: "nobody", windowMs: MINUTE, windowStart: start, delta: 7 },
        { key: "tpm-b", windowMs: MINUTE, windowStart: start, delta: 300 },
        { key: "c", windowMs: 0, windowStart: 0, delta: -1 },
      ]);
      const after = await store.take([rpm("tpm-a", 1_000, 0), rpm("tpm-b", 1_000, 0), inFlight("c", 1)], T0);
      expect(after.admitted).toBe(true);
      expect(after.states.map((s) => s.remaining)).toEqual([900, 100, 0]);
      expect((await store.take([rpm("nobody", 1)], T0)).admitted).toBe(true);
      await store.adjust([]);
    });

    it("does not create a counter by adjusting one nobody took from", async () => {
      const store = await one();
      await store.adjust([{ key: "never", windowMs: MINUTE, windowStart: T0_MINUTE, delta: 50 }]);
      await store.adjust([{ key: "never-in-flight", windowMs: 0, windowStart: 0, delta: 5 }]);
      expect((await store.take([rpm("never", 1)], T0)).admitted).toBe(true);
      expect((await store.take([inFlight("never-in-flight", 1)], T0)).admitted).toBe(true);
    });

    it("holds a concurrency counter (windowMs 0) until each slot is given back, across any time", async () => {
      const store = await one();
      const first = await store.take([inFlight("c", 2)], T0);
      expect(first.states[0]).toEqual({ key: "c", limit: 2, remaining: 1, resetMs: 0, windowStart: 0 });
      expect((await store.take([inFlight("c", 2)], T0)).admitted).toBe(true);
      const full = await store.take([inFlight("c", 2)], T0 + 86_400_000);
      expect(full).toMatchObject({ admitted: false, refusedBy: 0 });
      expect(full.retryAfterMs).toBeGreaterThanOrEqual(1);
      await store.adjust([{ key: "c", windowMs: 0, windowStart: 0, delta: -1 }]);
      const again = await store.take([inFlight("c", 2)], T0 + 86_400_000);
      expect(again.admitted).toBe(true);
      expect(again.states[0]?.remaining).toBe(0);
    });

    it("mixes windowed and concurrency counters in one all-or-nothing take", async () => {
      const store = await one();
      await store.take([inFlight("c", 1)], T0);
      const refused = await store.take([rpm("r", 5), inFlight("c", 1)], T0);
      expect(refused).toMatchObject({ admitted: false, refusedBy: 1 });
      await store.adjust([{ key: "c", windowMs: 0, windowStart: 0, delta: -1 }]);
      const admitted = await store.take([rpm("r", 5), inFlight("c", 1)], T0);
      expect(admitted.states.map((s) => s.remaining)).toEqual([4, 0]);
    });

    it("RACE: 300 concurrent takes against a limit of 100 admit exactly 100", async () => {
      const stores = await fresh(3);
      const outcomes = await Promise.all(
        Array.from({ length: 300 }, (_, i) => (stores[i % 3] as LimitStore).take([rpm("key", 100)], T0)),
      );
      expect(admittedCount(outcomes)).toBe(100);
      for (const o of outcomes.filter((x) => !x.admitted)) expect(o.retryAfterMs).toBe(45_000);
      const remaining = outcomes.filter((o) => o.admitted).map((o) => o.states[0]?.remaining);
      expect(new Set(remaining).size).toBe(100);
    });

    it("RACE: concurrent multi-counter takes stay all or nothing", async () => {
      const stores = await fresh(2);
      const outcomes = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          (stores[i % 2] as LimitStore).take([rpm(`key-${i % 3}`, 1_000), rpm("global", 90)], T0),
        ),
      );
      expect(admittedCount(outcomes)).toBe(90);
      const probe = await (stores[0] as LimitStore).take(
        [rpm("key-0", 1_000), rpm("key-1", 1_000), rpm("key-2", 1_000)],
        T0,
      );
      const takenPerKey = probe.states.map((s) => 1_000 - s.remaining - 1);
      expect(takenPerKey.reduce((a, b) => a + b, 0)).toBe(90);
    });

    it("RACE: 50 concurrent token takes of 30 against a TPM of 1000 admit exactly 33", async () => {
      const stores = await fresh(2);
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (stores[i % 2] as LimitStore).take([rpm("tpm", 1_000, 30)], T0)),
      );
      expect(admittedCount(outcomes)).toBe(33);
    });

    it("RACE: concurrency slots taken and given back by many callers never exceed the limit", async () => {
      const stores = await fresh(2);
      let inFlightNow = 0;
      let peak = 0;
      let admitted = 0;
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const store = stores[i % 2] as LimitStore;
          const outcome = await store.take([inFlight("slots", 5)], T0);
          if (!outcome.admitted) return;
          admitted++;
          inFlightNow++;
          peak = Math.max(peak, inFlightNow);
          await new Promise((resolve) => setTimeout(resolve, i % 3));
          inFlightNow--;
          await store.adjust([{ key: "slots", windowMs: 0, windowStart: 0, delta: -1 }]);
        }),
      );
      expect(peak).toBeLessThanOrEqual(5);
      expect(admitted).toBeGreaterThanOrEqual(5);
      const all = await Promise.all(
        Array.from({ length: 6 }, () => (stores[0] as LimitStore).take([inFlight("slots", 5)], T0)),
      );
      expect(admittedCount(all)).toBe(5);
    });
  });
}
