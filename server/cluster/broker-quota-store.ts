import type {
  BudgetCounter,
  BudgetReservation,
  BudgetSettlement,
  BudgetState,
  BudgetStore,
  ReserveOutcome,
} from "../state/budget-store.ts";
import type { LimitAdjustment, LimitStore, LimitTake, TakeOutcome } from "../state/limit-store.ts";
import type { QuotaOutcome, QuotaStore } from "../state/quota-store.ts";
import type { BrokerClient } from "./broker-client.ts";

/** The limit counters of the primary's broker, from a worker: one IPC round trip per operation. */
export class BrokerLimitStore implements LimitStore {
  readonly #broker: BrokerClient;

  constructor(broker: BrokerClient) {
    this.#broker = broker;
  }

  take(takes: readonly LimitTake[], now: number): Promise<TakeOutcome> {
    return this.#broker.ask("take", takes, now);
  }

  adjust(adjustments: readonly LimitAdjustment[]): Promise<void> {
    return this.#broker.ask("adjust", adjustments);
  }

  async close(): Promise<void> {}
}

/**
 * The budgets of the primary's broker, from a worker. `seed` is present only
 * on the one worker the broker chose to rebuild this period's spend from the
 * ledger (the others' would count it again).
 */
export class BrokerBudgetStore implements BudgetStore {
  readonly #broker: BrokerClient;

  constructor(broker: BrokerClient) {
    this.#broker = broker;
  }

  reserve(reservations: readonly BudgetReservation[]): Promise<ReserveOutcome> {
    return this.#broker.ask("reserve", reservations);
  }

  settle(settlements: readonly BudgetSettlement[]): Promise<BudgetState[]> {
    return this.#broker.ask("settleBudgets", settlements);
  }

  get(counter: BudgetCounter, cap: number): Promise<BudgetState> {
    return this.#broker.ask("get", counter, cap);
  }

  async close(): Promise<void> {}
}

/** A BrokerBudgetStore that seeds: the ledger's spend goes to the broker, in order before any call's. */
export class SeedingBrokerBudgetStore extends BrokerBudgetStore {
  readonly #broker: BrokerClient;

  constructor(broker: BrokerClient) {
    super(broker);
    this.#broker = broker;
  }

  seed(counter: BudgetCounter, spent: number): void {
    this.#broker.tell("seed", counter, spent);
  }
}

/** Admission and settlement, each one round trip to the broker whatever the counters and budgets. */
export class BrokerQuotaStore implements QuotaStore {
  readonly #broker: BrokerClient;

  constructor(broker: BrokerClient) {
    this.#broker = broker;
  }

  admit(
    takes: readonly LimitTake[],
    now: number,
    reservations: readonly BudgetReservation[],
  ): Promise<QuotaOutcome> {
    return this.#broker.ask("admit", takes, now, reservations);
  }

  settle(
    adjustments: readonly LimitAdjustment[],
    settlements: readonly BudgetSettlement[],
  ): Promise<BudgetState[]> {
    return this.#broker.ask("settle", adjustments, settlements);
  }
}

/** A worker's view of the broker: the three stores app.ts wires, and the seeding handshake. */
export interface SharedQuota {
  readonly limits: LimitStore;
  readonly budgets: BudgetStore;
  readonly quota: QuotaStore;
  /** The broker never loses its counters while a worker lives: nothing to backfill. */
  readonly backfill?: undefined;
  /** Tells the broker this worker's seeding (if it had the job) is done. */
  seeded(): void;
}

/**
 * Opens the broker's stores for this worker. Resolves once the budgets are
 * ready to use: at once for the worker chosen to seed them, and for the others
 * once it has.
 */
export async function openSharedQuota(broker: BrokerClient): Promise<SharedQuota> {
  const seeds = await broker.ask<boolean>("claimSeed");
  return {
    limits: new BrokerLimitStore(broker),
    budgets: seeds ? new SeedingBrokerBudgetStore(broker) : new BrokerBudgetStore(broker),
    quota: new BrokerQuotaStore(broker),
    seeded: () => {
      if (seeds) broker.tell("seedDone");
    },
  };
}
