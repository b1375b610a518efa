import { afterEach, describe, expect, it } from "vitest";
import type { BudgetReservation } from "./budget-store.ts";
import type { LimitTake } from "./limit-store.ts";
import type { QuotaStore } from "./quota-store.ts";

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 10, 0, 15);
const DAY = "day:2026-01-01";

/**
 * A quota store and a way to read its counters back: the budget standing
 * and whether a limit counter has room for `cost` more. `replicas` stores
 * share one empty state (fresh per call).
 */
export interface QuotaHandle {
  readonly store: QuotaStore;
  /** Spent and reserved of a budget. */
  budget(scope: string): Promise<{ spent: number; reserved: number }>;
}

export type OpenQuotaStores = (replicas: number) => Promise<QuotaHandle[]>;

function rpm(key: string, limit: number, cost = 1): LimitTake {
  return { key, cost, limit, windowMs: MINUTE };
}

function hold(scope: string, amount: number, cap: number): BudgetReservation {
  return { scope, period: DAY, amount, cap };
}

/** What every QuotaStore must do: one admission over limits and budgets, all or nothing, and its settlement. */
export function quotaStoreContract(name: string, open: OpenQuotaStores, close: () => Promise<void>): void {
  describe(`QuotaStore contract: ${name}`, () => {
    afterEach(close);
    const one = async () => (await open(1))[0] as QuotaHandle;

    it("takes and holds together when both have room, and settles both", async () => {
      const q = await one();
      const outcome = await q.store.admit([rpm("k", 2)], T0, [hold("key:a", 100, 1_000)]);
      expect(outcome.taken).toMatchObject({ admitted: true, refusedBy: -1 });
      expect(outcome.taken.states[0]?.remaining).toBe(1);
      expect(outcome.reserved).toMatchObject({ admitted: true, refusedBy: -1 });
      expect(outcome.reserved.states[0]).toMatchObject({ spent: 0, reserved: 100 });
      const states = await q.store.settle(
        [
          {
            key: "k",
            windowMs: MINUTE,
            windowStart: outcome.taken.states[0]?.windowStart as number,
            delta: -1,
          },
        ],
        [{ scope: "key:a", period: DAY, reserved: 100, actual: 40, cap: 1_000 }],
      );
      expect(states).toEqual([{ scope: "key:a", period: DAY, spent: 40, reserved: 0, cap: 1_000 }]);
      expect(await q.budget("key:a")).toEqual({ spent: 40, reserved: 0 });
      // The request given back: the counter has both slots again.
      const again = await q.store.admit([rpm("k", 2, 2)], T0, []);
      expect(again.taken.admitted).toBe(true);
    });

    it("touches no budget when a limit refuses", async () => {
      const q = await one();
      await q.store.admit([rpm("k", 1)], T0, []);
      const outcome = await q.store.admit([rpm("k", 1)], T0, [hold("key:a", 100, 1_000)]);
      expect(outcome.taken).toMatchObject({ admitted: false, refusedBy: 0 });
      expect(outcome.taken.retryAfterMs).toBe(45_000);
      expect(outcome.reserved).toMatchObject({ admitted: false, refusedBy: -1 });
      expect(await q.budget("key:a")).toEqual({ spent: 0, reserved: 0 });
    });

    it("takes nothing when a budget refuses", async () => {
      const q = await one();
      const outcome = await q.store.admit([rpm("k", 1)], T0, [
        hold("key:a", 100, 1_000),
        hold("global", 600, 500),
      ]);
      expect(outcome.taken.admitted).toBe(true);
      expect(outcome.reserved).toMatchObject({ admitted: false, refusedBy: 1 });
      expect(await q.budget("key:a")).toEqual({ spent: 0, reserved: 0 });
      // The one request the limit allows is still there.
      expect((await q.store.admit([rpm("k", 1)], T0, [])).taken.admitted).toBe(true);
    });

    it("admits with only limits or only budgets, and settles nothing for nothing", async () => {
      const q = await one();
      expect((await q.store.admit([], T0, [hold("key:a", 5, 10)])).reserved.admitted).toBe(true);
      expect((await q.store.admit([rpm("k", 1)], T0, [])).reserved.admitted).toBe(true);
      expect(await q.store.settle([], [])).toEqual([]);
    });

    it("admits exactly what both allow, with many callers racing over replicas", async () => {
      const replicas = await open(3);
      // 20 requests a minute, and a budget with room for 12 holds of 10: the budget binds.
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          (replicas[i % 3] as QuotaHandle).store.admit([rpm("race", 20)], T0, [hold("team:t", 10, 120)]),
        ),
      );
      const admitted = outcomes.filter((o) => o.taken.admitted && o.reserved.admitted);
      expect(admitted).toHaveLength(12);
      expect(await (replicas[0] as QuotaHandle).budget("team:t")).toEqual({ spent: 0, reserved: 120 });
      // Refused by the budget, they took nothing: 8 of the 20 requests are left.
      const rest = await (replicas[1] as QuotaHandle).store.admit([rpm("race", 20, 8)], T0, []);
      expect(rest.taken.admitted).toBe(true);
      expect(rest.taken.states[0]?.remaining).toBe(0);
    });
  });
}
