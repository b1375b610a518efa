import { timestampFromDate, timestampMs } from "@bufbuild/protobuf/wkt";
import type { CallOptions } from "@connectrpc/connect";
import { type Budget, BudgetPeriod, BudgetUnit } from "../gen/llmgw/v1/budget_pb.js";
import type { LlmgwClient } from "./client.ts";

/** What the budget helpers need of a client. */
export type BudgetsClient = Pick<LlmgwClient, "budgets">;

/** One budget in plain terms: where it stands this period and when it resets. */
export interface BudgetStanding {
  /** `key:<name>`, `team:<team>` or `global`. */
  readonly scope: string;
  readonly unit: "usd" | "tokens";
  readonly period: "day" | "month";
  /** `day:2026-12-01` or `month:2026-12`. */
  readonly periodName: string;
  readonly spent: number;
  /** Held by calls in flight. */
  readonly reserved: number;
  readonly limit: number;
  /** What is left: limit − spent − reserved, never below 0. */
  readonly remaining: number;
  readonly resetsAt: Date;
}

/** The caps `setBudget` sets; leave both out to remove the scope's budget for that period. */
export interface BudgetCaps {
  readonly usd?: number;
  readonly tokens?: number;
}

/**
 * The budgets that apply to a key (its own, its team's, the global ones).
 * With no `key`, the caller's own; naming another key needs an admin key.
 *
 * @example
 * for (const b of await getBudget(llmgw)) console.log(b.scope, b.period, `${b.remaining} ${b.unit} left`);
 */
export async function getBudget(
  client: BudgetsClient,
  key = "",
  call?: CallOptions,
): Promise<BudgetStanding[]> {
  const { budgets } = await client.budgets.getBudget({ key }, call);
  return budgets.map(standing);
}

/** Every configured budget. Admin keys only. */
export async function listBudgets(client: BudgetsClient, call?: CallOptions): Promise<BudgetStanding[]> {
  const { budgets } = await client.budgets.listBudgets({}, call);
  return budgets.map(standing);
}

/**
 * Sets the caps of one scope for one period (on every replica, with Redis), and
 * returns that scope's budgets. Admin keys only.
 *
 * @example
 * await setBudget(llmgw, "team:search", "month", { usd: 500 });
 */
export async function setBudget(
  client: BudgetsClient,
  scope: string,
  period: "day" | "month",
  caps: BudgetCaps,
  call?: CallOptions,
): Promise<BudgetStanding[]> {
  const { budgets } = await client.budgets.setBudget(
    {
      scope,
      period: period === "day" ? BudgetPeriod.DAY : BudgetPeriod.MONTH,
      ...(caps.usd === undefined ? {} : { usd: caps.usd }),
      ...(caps.tokens === undefined ? {} : { tokens: BigInt(caps.tokens) }),
    },
    call,
  );
  return budgets.map(standing);
}

/** What `getSpend` may narrow the ledger to; every field is optional. */
export interface SpendFilter {
  /** Inclusive; 30 days before `end` when unset. */
  readonly start?: Date;
  /** Exclusive; now when unset. */
  readonly end?: Date;
  /** One key's spend; naming another key than the caller's needs an admin key. */
  readonly key?: string;
  /** The spend of one team's keys. */
  readonly team?: string;
  readonly model?: string;
}

/** Spend per UTC day, key, team and model, in plain numbers. */
export interface SpendRow {
  readonly day: string;
  readonly key: string;
  readonly team: string;
  readonly model: string;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
}

export interface Spend {
  readonly rows: SpendRow[];
  readonly totalCostUsd: number;
  readonly totalTokens: number;
  readonly totalRequests: number;
}

/**
 * What was spent, from the usage ledger, by day, key, team and model. A key
 * that is not an admin key sees only its own spend.
 *
 * @example
 * const { totalCostUsd } = await getSpend(llmgw, { team: "search", start: new Date("2026-12-01") });
 */
export async function getSpend(
  client: BudgetsClient,
  filter: SpendFilter = {},
  call?: CallOptions,
): Promise<Spend> {
  const answer = await client.budgets.getSpend(
    {
      key: filter.key ?? "",
      team: filter.team ?? "",
      model: filter.model ?? "",
      ...(filter.start === undefined ? {} : { start: timestampFromDate(filter.start) }),
      ...(filter.end === undefined ? {} : { end: timestampFromDate(filter.end) }),
    },
    call,
  );
  return {
    rows: answer.rows.map((r) => ({
      day: r.day,
      key: r.key,
      team: r.team,
      model: r.model,
      requests: Number(r.requests),
      promptTokens: Number(r.promptTokens),
      completionTokens: Number(r.completionTokens),
      costUsd: r.costUsd,
    })),
    totalCostUsd: answer.totalCostUsd,
    totalTokens: Number(answer.totalTokens),
    totalRequests: Number(answer.totalRequests),
  };
}

function standing(b: Budget): BudgetStanding {
  return {
    scope: b.scope,
    unit: b.unit === BudgetUnit.TOKENS ? "tokens" : "usd",
    period: b.period === BudgetPeriod.MONTH ? "month" : "day",
    periodName: b.periodName,
    spent: b.spent,
    reserved: b.reserved,
    limit: b.limit,
    remaining: Math.max(0, b.limit - b.spent - b.reserved),
    resetsAt: b.resetTime === undefined ? new Date(0) : new Date(timestampMs(b.resetTime)),
  };
}
