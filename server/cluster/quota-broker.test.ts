import { describe, expect, it } from "vitest";
import { budgetStoreContract } from "../state/budget-store-contract.ts";
import { limitStoreContract } from "../state/limit-store-contract.ts";
import { quotaStoreContract } from "../state/quota-store-contract.ts";
import { type BrokerChannel, BrokerClient } from "./broker-client.ts";
import {
  BrokerBudgetStore,
  BrokerLimitStore,
  BrokerQuotaStore,
  openSharedQuota,
} from "./broker-quota-store.ts";
import { QuotaBroker } from "./quota-broker.ts";

/**
 * A worker's channel to a broker in this process. Messages go through JSON
 * and a macrotask each way, as over the cluster's IPC channel, so nothing
 * passes by reference and answers arrive later, interleaved.
 */
function linked(broker: QuotaBroker, worker: number): { client: BrokerClient; die(): void } {
  let listener: (message: unknown) => void = () => {};
  let closed: () => void = () => {};
  const channel: BrokerChannel = {
    send: (message) => {
      const sent = JSON.stringify(message);
      setImmediate(() =>
        broker.handle(worker, JSON.parse(sent), (reply) => {
          const back = JSON.stringify(reply);
          setImmediate(() => listener(JSON.parse(back)));
        }),
      );
    },
    onMessage: (l) => {
      listener = l;
    },
    onClose: (l) => {
      closed = l;
    },
  };
  return {
    client: new BrokerClient(channel),
    die: () => {
      closed();
      broker.forget(worker);
    },
  };
}

/** `replicas` workers on one broker. */
function workers(replicas: number): BrokerClient[] {
  const broker = new QuotaBroker();
  return Array.from({ length: replicas }, (_, i) => linked(broker, i + 1).client);
}

limitStoreContract("the primary's broker", async (replicas) =>
  workers(replicas).map((c) => new BrokerLimitStore(c)),
);

budgetStoreContract("the primary's broker", async (replicas) =>
  workers(replicas).map((c) => new BrokerBudgetStore(c)),
);

quotaStoreContract(
  "the primary's broker",
  async (replicas) =>
    workers(replicas).map((c) => {
      const budgets = new BrokerBudgetStore(c);
      return {
        store: new BrokerQuotaStore(c),
        budget: async (scope) => {
          const { spent, reserved } = await budgets.get({ scope, period: "day:2026-01-01" }, 0);
          return { spent, reserved };
        },
      };
    }),
  async () => {},
);

const DAY = "day:2026-12-01";

describe("QuotaBroker", () => {
  it("gives back a dead worker's concurrency slots and reservations, and nothing of a live one's", async () => {
    const broker = new QuotaBroker();
    const dead = linked(broker, 1);
    const live = linked(broker, 2);
    const slot = { key: "conc:k", cost: 1, limit: 2, windowMs: 0 };
    const hold = { scope: "key:k", period: DAY, amount: 60, cap: 100 };
    const deadQuota = new BrokerQuotaStore(dead.client);
    const liveQuota = new BrokerQuotaStore(live.client);
    expect((await deadQuota.admit([slot], 0, [{ ...hold, amount: 30 }])).reserved.admitted).toBe(true);
    expect((await liveQuota.admit([slot], 0, [hold])).reserved.admitted).toBe(true);
    // Both slots and 90 of 100 are held.
    const full = await liveQuota.admit([slot], 0, []);
    expect(full.taken.admitted).toBe(false);
    dead.die();
    // The dead worker's slot and its 30 come back; the live worker's 60 stay held.
    const budgets = new BrokerBudgetStore(live.client);
    expect(await budgets.get({ scope: "key:k", period: DAY }, 100)).toMatchObject({ reserved: 60 });
    expect((await liveQuota.admit([slot], 0, [])).taken.admitted).toBe(true);
    await expect(deadQuota.admit([slot], 0, [])).rejects.toThrow(/broker .* is gone/);
  });

  it("chooses one worker to seed the budgets; the others wait until it is done; a seeder that dies passes it on", async () => {
    const broker = new QuotaBroker();
    const first = linked(broker, 1);
    const second = linked(broker, 2);
    const third = linked(broker, 3);
    const seeding = await openSharedQuota(first.client);
    expect("seed" in seeding.budgets).toBe(true);
    let secondReady = false;
    const secondOpen = openSharedQuota(second.client).then((q) => {
      secondReady = true;
      return q;
    });
    const thirdOpen = openSharedQuota(third.client);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(secondReady).toBe(false);
    // The seeder dies before it is done: the next in line seeds instead.
    first.die();
    const next = await secondOpen;
    expect("seed" in next.budgets).toBe(true);
    (next.budgets as unknown as { seed(c: object, spent: number): void }).seed(
      { scope: "global", period: DAY },
      5,
    );
    next.seeded();
    const other = await thirdOpen;
    expect("seed" in other.budgets).toBe(false);
    expect(await other.budgets.get({ scope: "global", period: DAY }, 10)).toMatchObject({ spent: 5 });
  });
});
