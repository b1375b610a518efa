import { afterEach, describe, expect, it } from "vitest";
import type { BudgetReservation, BudgetStore, ReserveOutcome } from "./budget-store.ts";

const DAY = "day:2026-12-01";

/**
 * Opens `replicas` stores that share one empty state (fresh for each call):
 * separate connections to one Redis, or the one memory store handed out
 * `replicas` times, since memory is shared only within a process.
 */
export type OpenBudgetStores = (replicas: number) => Promise<BudgetStore[]>;

function hold(scope: string, amount: number, cap: number, period = DAY): BudgetReservation {
  return { scope, period, amount, cap };
}

function admittedCount(outcomes: readonly ReserveOutcome[]): number {
  return outcomes.filter((o) => o.admitted).length;
}

/** What every `BudgetStore` backend must do, whatever holds the spend. */
export function budgetStoreContract(name: string, open: OpenBudgetStores): void {
  describe(`BudgetStore contract: ${name}`, () => {
    const opened: BudgetStore[] = [];
    const fresh = async (replicas = 1) => {
      const stores = await open(replicas);
      opened.push(...new Set(stores));
      return stores;
    };
    const one = async () => (await fresh(1))[0] as BudgetStore;
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it("reports a budget nobody spent in as empty, with the cap asked about", async () => {
      const store = await one();
      expect(await store.get({ scope: "key:a", period: DAY }, 5)).toEqual({
        scope: "key:a",
        period: DAY,
        spent: 0,
        reserved: 0,
        cap: 5,
      });
    });

    it("holds a reservation and reports the standing after it", async () => {
      const store = await one();
      const { unseeded: _, ...outcome } = await store.reserve([hold("key:a", 0.15, 0.45)]);
      expect(outcome).toEqual({
        admitted: true,
        refusedBy: -1,
        states: [{ scope: "key:a", period: DAY, spent: 0, reserved: 0.15, cap: 0.45 }],
      });
      expect(await store.get({ scope: "key:a", period: DAY }, 0.45)).toMatchObject({ reserved: 0.15 });
    });

    it("admits a reservation that exactly fills the cap and refuses one that would pass it", async () => {
      const store = await one();
      expect((await store.reserve([hold("g", 0.3, 0.45)])).admitted).toBe(true);
      expect((await store.reserve([hold("g", 0.15, 0.45)])).admitted).toBe(true);
      const { unseeded: _, ...refused } = await store.reserve([hold("g", 0.000001, 0.45)]);
      expect(refused).toEqual({
        admitted: false,
        refusedBy: 0,
        states: [{ scope: "g", period: DAY, spent: 0, reserved: 0.45, cap: 0.45 }],
      });
    });

    it("adds fractional dollars without drift: three reservations of 0.1 fill a cap of 0.3", async () => {
      const store = await one();
      for (let i = 0; i < 3; i++) expect((await store.reserve([hold("d", 0.1, 0.3)])).admitted).toBe(true);
      expect((await store.reserve([hold("d", 0.1, 0.3)])).admitted).toBe(false);
      const states = await store.settle(
        Array.from({ length: 3 }, () => ({ scope: "d", period: DAY, reserved: 0.1, actual: 0.1, cap: 0.3 })),
      );
      expect(states[2]).toMatchObject({ spent: 0.3, reserved: 0 });
    });

    it("is all or nothing: one full budget means nothing is held at the other levels", async () => {
      const store = await one();
      await store.reserve([hold("team:t", 1, 1)]);
      const refused = await store.reserve([
        hold("key:a", 0.5, 10),
        hold("team:t", 0.5, 1),
        hold("global", 0.5, 100),
      ]);
      expect(refused).toMatchObject({ admitted: false, refusedBy: 1 });
      expect(refused.states.map((s) => s.reserved)).toEqual([0, 1, 0]);
      expect((await store.get({ scope: "key:a", period: DAY }, 10)).reserved).toBe(0);
      expect((await store.get({ scope: "global", period: DAY }, 100)).reserved).toBe(0);
    });

    it("counts a budget named twice in one reservation against itself", async () => {
      const store = await one();
      const twice = await store.reserve([hold("k", 0.3, 0.5), hold("k", 0.3, 0.5)]);
      expect(twice).toMatchObject({ admitted: false, refusedBy: 1 });
      expect((await store.get({ scope: "k", period: DAY }, 0.5)).reserved).toBe(0);
    });

    it("settles a reservation into spend at the real cost, which may pass the estimate", async () => {
      const store = await one();
      await store.reserve([hold("k", 0.2, 1), hold("global", 0.2, 10)]);
      const after = await store.settle([
        { scope: "k", period: DAY, reserved: 0.2, actual: 0.05, cap: 1 },
        { scope: "global", period: DAY, reserved: 0.2, actual: 0.25, cap: 10 },
      ]);
      expect(after).toEqual([
        { scope: "k", period: DAY, spent: 0.05, reserved: 0, cap: 1 },
        { scope: "global", period: DAY, spent: 0.25, reserved: 0, cap: 10 },
      ]);
      const refused = await store.reserve([hold("k", 0.96, 1)]);
      expect(refused.admitted).toBe(false);
      expect((await store.reserve([hold("k", 0.95, 1)])).admitted).toBe(true);
    });

    it("releases a failed call's reservation by settling it at 0", async () => {
      const store = await one();
      await store.reserve([hold("k", 0.4, 0.45)]);
      const [released] = await store.settle([
        { scope: "k", period: DAY, reserved: 0.4, actual: 0, cap: 0.45 },
      ]);
      expect(released).toMatchObject({ spent: 0, reserved: 0 });
      expect((await store.reserve([hold("k", 0.45, 0.45)])).admitted).toBe(true);
    });

    it("never lets reserved go below zero when more is released than was held", async () => {
      const store = await one();
      await store.reserve([hold("k", 0.1, 1)]);
      const [after] = await store.settle([{ scope: "k", period: DAY, reserved: 0.5, actual: 0, cap: 1 }]);
      expect(after?.reserved).toBe(0);
      expect((await store.reserve([hold("k", 1, 1)])).admitted).toBe(true);
      expect((await store.reserve([hold("k", 0.000001, 1)])).admitted).toBe(false);
    });

    it("leaves reserved at exactly 0 after many fractional reserve-and-settle rounds", async () => {
      const store = await one();
      const amounts = [0.1, 0.2, 0.07, 0.013, 0.000123, 1 / 3, 0.15];
      let expectedMicros = 0;
      for (const amount of amounts) {
        await store.reserve([hold("k", amount, 100)]);
        await store.settle([{ scope: "k", period: DAY, reserved: amount, actual: amount / 2, cap: 100 }]);
        expectedMicros += Math.round((amount / 2) * 1e6);
      }
      const state = await store.get({ scope: "k", period: DAY }, 100);
      expect(state.reserved).toBe(0);
      expect(state.spent).toBe(expectedMicros / 1e6);
    });

    it("keeps each period and scope apart, so spend rolls over with the period", async () => {
      const store = await one();
      await store.reserve([hold("k", 1, 1)]);
      await store.settle([{ scope: "k", period: DAY, reserved: 1, actual: 1, cap: 1 }]);
      expect((await store.reserve([hold("k", 0.01, 1)])).admitted).toBe(false);
      expect((await store.reserve([hold("k", 1, 1, "day:2026-12-02")])).admitted).toBe(true);
      expect((await store.reserve([hold("other", 1, 1)])).admitted).toBe(true);
      expect((await store.get({ scope: "k", period: "day:2026-12-02" }, 1)).spent).toBe(0);
      expect((await store.get({ scope: "k", period: DAY }, 1)).spent).toBe(1);
    });

    it("counts token budgets as well as dollars", async () => {
      const store = await one();
      expect((await store.reserve([hold("tokens:k", 900_000_000, 1_000_000_000)])).admitted).toBe(true);
      expect((await store.reserve([hold("tokens:k", 100_000_001, 1_000_000_000)])).admitted).toBe(false);
      const [after] = await store.settle([
        { scope: "tokens:k", period: DAY, reserved: 900_000_000, actual: 123_456_789, cap: 1_000_000_000 },
      ]);
      expect(after).toMatchObject({ spent: 123_456_789, reserved: 0 });
    });

    it("RACE: 50 concurrent reservations of $0.15 against a $0.45 cap admit exactly 3", async () => {
      const stores = await fresh(3);
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (stores[i % 3] as BudgetStore).reserve([hold("key:a", 0.15, 0.45)]),
        ),
      );
      expect(admittedCount(outcomes)).toBe(3);
      const store = stores[0] as BudgetStore;
      expect(await store.get({ scope: "key:a", period: DAY }, 0.45)).toMatchObject({
        spent: 0,
        reserved: 0.45,
      });
      await store.settle(
        Array.from({ length: 3 }, () => ({
          scope: "key:a",
          period: DAY,
          reserved: 0.15,
          actual: 0.15,
          cap: 0.45,
        })),
      );
      expect(await store.get({ scope: "key:a", period: DAY }, 0.45)).toMatchObject({
        spent: 0.45,
        reserved: 0,
      });
    });

    it("RACE: callers reserving and settling at three levels never pass a cap, and leave nothing held", async () => {
      const stores = await fresh(2);
      let admitted = 0;
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const store = stores[i % 2] as BudgetStore;
          const levels = [
            hold(`key:${i % 4}`, 0.05, 0.3),
            hold("team:t", 0.05, 0.8),
            hold("global", 0.05, 1),
          ];
          const outcome = await store.reserve(levels);
          if (!outcome.admitted) return;
          admitted++;
          for (const s of outcome.states) expect(s.spent + s.reserved).toBeLessThanOrEqual(s.cap + 1e-9);
          await new Promise((resolve) => setTimeout(resolve, i % 3));
          await store.settle(levels.map((l) => ({ ...l, reserved: 0.05, actual: 0.03 })));
        }),
      );
      const store = stores[0] as BudgetStore;
      const global = await store.get({ scope: "global", period: DAY }, 1);
      const team = await store.get({ scope: "team:t", period: DAY }, 0.8);
      expect(global.reserved).toBe(0);
      expect(team.reserved).toBe(0);
      expect(global.spent).toBe((admitted * 30_000) / 1e6);
      expect(team.spent).toBeLessThanOrEqual(0.8);
      const keys = await Promise.all(
        [0, 1, 2, 3].map((k) => store.get({ scope: `key:${k}`, period: DAY }, 0.3)),
      );
      expect(keys.reduce((sum, k) => sum + Math.round(k.spent * 1e6), 0)).toBe(admitted * 30_000);
      for (const k of keys) expect(k.spent).toBeLessThanOrEqual(0.3);
    });
  });
}
