/**
 * The budget port: spend and reservations per scope and period, which
 * replicas agree on. Every operation is atomic in the backend, so
 * concurrent admissions can together exceed a cap by at most the one
 * reservation admitted last (and in practice not at all: a reservation is
 * admitted only if spent + reserved + amount ≤ cap).
 */

/** A budget counter: one scope (e.g. `key:backend`, `team:search`, `global`) in one period. */
export interface BudgetCounter {
  readonly scope: string;
  /** The period's name, e.g. `day:2026-12-01` or `month:2026-12` (UTC or the configured zone). */
  readonly period: string;
}

/** A worst-case amount to hold against a cap. */
export interface BudgetReservation extends BudgetCounter {
  /** USD or tokens, as the budget counts. */
  readonly amount: number;
  readonly cap: number;
}

/** A counter's standing. */
export interface BudgetState extends BudgetCounter {
  /** Settled spend this period. */
  readonly spent: number;
  /** Held by calls in flight. */
  readonly reserved: number;
  readonly cap: number;
}

/** What a reservation decided. All or nothing. */
export interface ReserveOutcome {
  readonly admitted: boolean;
  /** One per reservation, in order: after it when admitted, as they stand when refused. */
  readonly states: readonly BudgetState[];
  /** When refused: the index of the first budget without room, else -1. */
  readonly refusedBy: number;
  /**
   * Budgets (by index) whose counter has not yet been given the spend
   * recorded before it was created: a shared store that lost its data
   * starts again from 0, and `BudgetBackfill` adds that spend once. Absent
   * when every counter has it (or the store never loses it).
   */
  readonly unseeded?: readonly number[];
}

/** A held amount turned into real spend (`actual` 0 releases it). */
export interface BudgetSettlement extends BudgetCounter {
  readonly reserved: number;
  readonly actual: number;
  /** The budget's cap, reported back in the state (for alerts). */
  readonly cap: number;
}

export interface BudgetStore {
  /** Holds each amount if every budget has room (spent + reserved + amount ≤ cap), atomically; else none. */
  reserve(reservations: readonly BudgetReservation[]): Promise<ReserveOutcome>;
  /** Moves each reservation into spend at its actual amount (0 releases it). Returns the states after. */
  settle(settlements: readonly BudgetSettlement[]): Promise<BudgetState[]>;
  /** A counter's standing (spent and reserved are 0 for a period nobody spent in). */
  get(counter: BudgetCounter, cap: number): Promise<BudgetState>;
  close(): Promise<void>;
}

/**
 * A shared budget store whose counters may outlive their data (a Redis
 * restarted without persistence): each counter remembers when it was first
 * written, and takes, once, the spend recorded before then.
 */
export interface BudgetBackfill {
  /** Epoch ms the counter was first written; undefined when it does not exist. */
  since(counter: BudgetCounter): Promise<number | undefined>;
  /** Adds `spent` (the budget's unit) to the counter unless some replica did already; true when this call did. */
  backfill(counter: BudgetCounter, spent: number): Promise<boolean>;
}
