import type { Logger } from "pino";
import type { Config } from "../../config/schema.ts";
import type { BudgetCapStore } from "../../state/budget-cap-store.ts";
import type { BudgetBackfill, BudgetStore } from "../../state/budget-store.ts";
import type { LedgerSink } from "../../state/ledger-sink.ts";
import type { Metrics } from "../../telemetry/metrics.ts";
import { AlertWebhook } from "./alert-webhook.ts";
import { BudgetAlerts } from "./budget-alerts.ts";
import { BudgetBackfiller } from "./budget-backfill.ts";
import { BudgetControl, type StoredPayers } from "./budget-control.ts";
import { BudgetLimits } from "./budget-limits.ts";
import { BudgetPart } from "./budget-part.ts";
import { PeriodClock } from "./budget-period.ts";
import { type SeedableStore, seedSpend } from "./seed-spend.ts";

/** The budgets of a running gateway. */
export interface Budgets {
  /** The budgets' half of the quota policy. */
  readonly part: BudgetPart;
  /** What BudgetService reads and changes. */
  readonly control: BudgetControl;
  readonly store: BudgetStore;
  /** Whether any budget is configured (the file's, or set at runtime), stored keys' own aside. */
  readonly configured: boolean;
  /** Stops the webhook's retries and the cap notices (the store is its opener's to close). */
  close(): Promise<void>;
}

export interface BudgetsDeps {
  readonly ledger: LedgerSink;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Date.now unless a test injects a clock. */
  readonly now?: () => number;
  /**
   * Where spend and reservations live. The embedded (memory) store is
   * seeded with this period's spend from the ledger; a shared store (Redis)
   * keeps its own totals, so it is not seeded from this replica's ledger
   * (which holds only this replica's calls: seeding N replicas would count
   * spend N times).
   */
  readonly store: BudgetStore;
  /** Told when the store starts failing (true) and answers again (false), for the degraded gauge. */
  readonly onDegraded?: (degraded: boolean) => void;
  /** Runtime cap changes shared by every replica (Redis), applied at start and whenever one is made. */
  readonly caps?: BudgetCapStore;
  /**
   * A shared store whose counters can lose their data (Redis), when the
   * ledger is shared too (PostgreSQL): lost spend is refilled from the ledger.
   */
  readonly backfill?: BudgetBackfill | undefined;
  /** The stored keys, which may carry budgets of their own. */
  readonly stored?: StoredPayers;
}

/**
 * Builds the budgets from config, even when none is configured: a stored
 * key may be given budgets of its own at any time, and SetBudget may add
 * some (with none anywhere, a call costs the half one property read).
 * Embedded, the store is in memory and this period's spend is rebuilt from
 * the ledger before the gateway listens; a shared store keeps its own totals.
 */
export async function startBudgets(config: Config, deps: BudgetsDeps): Promise<Budgets> {
  const settings = config.budgets;
  const limits = new BudgetLimits(settings);
  const clock = new PeriodClock(settings.time_zone, deps.now);
  const store = deps.store;
  const stored = deps.stored?.payers() ?? [];
  if (isSeedable(store) && (limits.configured || stored.some((p) => p.budgets !== undefined))) {
    const teams = new Map([
      ...stored.map((p) => [p.name, p.team] as const),
      ...config.keys.map((k) => [k.name, k.team ?? ""] as const),
    ]);
    const own = new Map(stored.map((p) => [p.name, p.budgets]));
    await seedSpend(
      store,
      deps.ledger,
      limits,
      clock,
      (key) => teams.get(key) ?? "",
      (key) => own.get(key),
    );
  }
  const hook = settings.alerts.webhook;
  const webhook = hook === undefined ? undefined : new AlertWebhook(hook, deps.log);
  const alerts = new BudgetAlerts(settings.alerts.thresholds, {
    log: deps.log,
    count: (level, threshold) => deps.metrics.countBudgetAlert(level, threshold),
    webhook: webhook === undefined ? undefined : (alert) => webhook.send(alert),
  });
  const part = new BudgetPart({
    limits,
    clock,
    defaultMaxTokens: settings.default_max_tokens,
    failOpen: settings.fail_open,
    alerts: settings.alerts.thresholds.length > 0 ? alerts : undefined,
    spend: (limit, state) =>
      deps.metrics.budgetSpend.observe(limit.level, limit.scope, limit.period, state.spent, state.cap),
    log: deps.log,
    onDegraded: deps.onDegraded,
    backfill:
      deps.backfill === undefined ? undefined : new BudgetBackfiller(deps.backfill, deps.ledger, deps.log),
  });
  const payers = config.keys.map((k) => ({ name: k.name, team: k.team ?? "" }));
  const caps = deps.caps;
  if (caps !== undefined) {
    // Unreadable now (Redis down), the subscription reads them once it is up.
    await applyCaps(caps, limits).catch((error: unknown) =>
      deps.log.warn({ err: error }, "the budget caps set at runtime cannot be read yet"),
    );
    caps.subscribe(() => {
      applyCaps(caps, limits).catch((error: unknown) =>
        deps.log.error({ err: error }, "reading the budget caps other replicas set failed"),
      );
    });
  }
  return {
    part,
    control: new BudgetControl(store, limits, clock, payers, caps, deps.stored),
    store,
    get configured() {
      return limits.configured;
    },
    async close() {
      await webhook?.close();
      await caps?.close();
    },
  };
}

/** A store with a `seed` (the memory store, or the one worker the primary's broker chose to seed it). */
function isSeedable(store: BudgetStore): store is BudgetStore & SeedableStore {
  return typeof (store as Partial<SeedableStore>).seed === "function";
}

/** Applies every shared cap change on top of the config's (each one replaces its scope and period: idempotent). */
async function applyCaps(caps: BudgetCapStore, limits: BudgetLimits): Promise<void> {
  for (const change of await caps.list()) {
    const values = {
      ...(change.usd === undefined ? {} : { usd: change.usd }),
      ...(change.tokens === undefined ? {} : { tokens: change.tokens }),
    };
    limits.set(change.scope, change.period, values);
  }
}
