import type { BudgetCounter, BudgetReservation, BudgetSettlement } from "../state/budget-store.ts";
import type { LimitAdjustment, LimitTake } from "../state/limit-store.ts";
import { MemoryQuotaStore } from "../state/memory/memory-quota-store.ts";
import type { BrokerReply, BrokerRequest } from "./broker-protocol.ts";
import { WorkerHolds } from "./worker-holds.ts";

/** Where the broker sends an answer: the worker that asked. */
export type ReplyTo = (reply: BrokerReply) => void;

/**
 * The primary process's quota store, shared by every worker on the machine:
 * one MemoryQuotaStore, each operation one synchronous step on the
 * primary's event loop, so workers together are as exact as one process.
 * It also tracks what each worker holds (concurrency slots, reservations)
 * and gives it back when that worker dies, and it hands out the one-time
 * job of seeding the budgets from the ledger to exactly one worker.
 */
export class QuotaBroker {
  readonly #store = new MemoryQuotaStore();
  readonly #holds = new Map<number, WorkerHolds>();
  /** Seeding: nobody yet, a worker doing it, or done. */
  #seeder: number | "done" | undefined;
  #seedWaiters: { worker: number; reply: () => void; claim: () => void }[] = [];

  /** Answers one request from `worker`. */
  handle(worker: number, request: BrokerRequest, replyTo: ReplyTo): void {
    const answer = (value: unknown) => replyTo({ llmgw: "quota", id: request.id, value });
    const fail = (error: unknown) =>
      replyTo({ llmgw: "quota", id: request.id, error: (error as Error).message });
    if (request.op === "claimSeed") {
      this.#claimSeed(worker, answer);
      return;
    }
    // Every store change happens synchronously in #run; only some answers come back as promises.
    try {
      const value = this.#run(worker, request);
      if (value instanceof Promise) value.then(answer, fail);
      else answer(value);
    } catch (error) {
      fail(error);
    }
  }

  /** A worker has gone: what it held comes back, and a seeding it had not finished passes on. */
  forget(worker: number): void {
    const holds = this.#holds.get(worker);
    this.#holds.delete(worker);
    if (holds !== undefined) {
      this.#store.limits.adjustNow(holds.slotsBack());
      void this.#store.budgets.settle(holds.budgetsBack());
    }
    this.#seedWaiters = this.#seedWaiters.filter((w) => w.worker !== worker);
    if (this.#seeder === worker) {
      this.#seeder = undefined;
      const next = this.#seedWaiters.shift();
      if (next !== undefined) {
        this.#seeder = next.worker;
        next.claim();
      }
    }
  }

  #run(worker: number, { op, args }: BrokerRequest): unknown {
    const store = this.#store;
    const holds = this.#holdsOf(worker);
    switch (op) {
      case "admit": {
        const [takes, now, reservations] = args as [LimitTake[], number, BudgetReservation[]];
        const outcome = store.admitNow(takes, now, reservations);
        if (outcome.taken.admitted && outcome.reserved.admitted) {
          holds.took(takes);
          holds.reserved(reservations);
        }
        return outcome;
      }
      case "settle": {
        const [adjustments, settlements] = args as [LimitAdjustment[], BudgetSettlement[]];
        store.limits.adjustNow(adjustments);
        holds.adjusted(adjustments);
        holds.settled(settlements);
        return settlements.length === 0 ? [] : store.budgets.settle(settlements);
      }
      case "take": {
        const [takes, now] = args as [LimitTake[], number];
        const outcome = store.limits.takeNow(takes, now);
        if (outcome.admitted) holds.took(takes);
        return outcome;
      }
      case "adjust": {
        const [adjustments] = args as [LimitAdjustment[]];
        store.limits.adjustNow(adjustments);
        holds.adjusted(adjustments);
        return undefined;
      }
      case "reserve": {
        const [reservations] = args as [BudgetReservation[]];
        const outcome = store.budgets.reserveNow(reservations);
        if (outcome.admitted) holds.reserved(reservations);
        return outcome;
      }
      case "settleBudgets": {
        const [settlements] = args as [BudgetSettlement[]];
        holds.settled(settlements);
        return store.budgets.settle(settlements);
      }
      case "get": {
        const [counter, cap] = args as [BudgetCounter, number];
        return store.budgets.get(counter, cap);
      }
      case "seed": {
        const [counter, spent] = args as [BudgetCounter, number];
        if (this.#seeder === worker) store.budgets.seed(counter, spent);
        return undefined;
      }
      case "seedDone":
        if (this.#seeder === worker) this.#finishSeeding();
        return undefined;
      default:
        throw new Error(`unknown quota broker operation "${String(op)}"`);
    }
  }

  /** true to the first worker to ask (it seeds); false to the others once it has finished. */
  #claimSeed(worker: number, answer: (value: unknown) => void): void {
    if (this.#seeder === "done") answer(false);
    else if (this.#seeder === undefined) {
      this.#seeder = worker;
      answer(true);
    } else this.#seedWaiters.push({ worker, reply: () => answer(false), claim: () => answer(true) });
  }

  #finishSeeding(): void {
    this.#seeder = "done";
    for (const waiter of this.#seedWaiters) waiter.reply();
    this.#seedWaiters = [];
  }

  #holdsOf(worker: number): WorkerHolds {
    let holds = this.#holds.get(worker);
    if (holds === undefined) {
      holds = new WorkerHolds();
      this.#holds.set(worker, holds);
    }
    return holds;
  }
}
