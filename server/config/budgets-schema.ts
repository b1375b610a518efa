import { z } from "zod";
import { MAX_BUDGET_CAP } from "../state/budget-units.ts";

/**
 * The `budgets` section of the config file: spend caps in USD and tokens,
 * per day or month, for every key, single keys, teams and the whole gateway.
 * A key's spend rolls up into its team's and the global budgets, and every
 * level that applies is checked at admission. See docs/budgets.md.
 */

export const BUDGET_PERIODS = ["day", "month"] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

const rule = z
  .object({
    usd: z
      .number()
      .positive()
      .max(MAX_BUDGET_CAP)
      .optional()
      .describe("the most this scope may spend per period, in USD"),
    tokens: z
      .number()
      .int()
      .positive()
      .max(MAX_BUDGET_CAP)
      .optional()
      .describe("the most prompt plus completion tokens per period"),
    period: z.enum(BUDGET_PERIODS).describe("day or month, in budgets.time_zone"),
  })
  .strict()
  .refine((r) => r.usd !== undefined || r.tokens !== undefined, {
    message: "a budget needs usd, tokens or both",
  });

/**
 * One list of rules: at most one per period (a day rule may hold both a USD
 * and a token cap). Also what a stored key's own budgets are checked against.
 */
export const budgetRules = z
  .array(rule)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((r, i) => {
      if (seen.has(r.period))
        ctx.addIssue({
          code: "custom",
          path: [i, "period"],
          message: `two "${r.period}" budgets in one list`,
        });
      seen.add(r.period);
    });
  });

const webhook = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    secret: z.string().min(16, "use a secret of at least 16 characters").describe("HMAC-SHA256 key"),
    timeout_ms: z.number().int().positive().default(5_000).describe("per attempt"),
    retries: z.number().int().min(0).max(10).default(3).describe("attempts after the first, with backoff"),
  })
  .strict();

/** A signed, retried webhook, as the budget alerts and the telemetry webhooks configure one. */
export { webhook as webhookSchema };

export const budgetsSchema = z
  .object({
    global: budgetRules.describe("the whole gateway's spend"),
    per_key: budgetRules.describe("every key separately, unless `keys` names it"),
    keys: z
      .record(z.string().min(1), budgetRules)
      .default({})
      .describe("per key name; replaces per_key for it"),
    teams: z.record(z.string().min(1), budgetRules).default({}).describe("per team: all its keys together"),
    time_zone: z
      .string()
      .default("UTC")
      .refine(validTimeZone, { message: "not an IANA time zone (e.g. UTC, Europe/Paris)" })
      .describe("where days and months begin and end"),
    default_max_tokens: z
      .number()
      .int()
      .positive()
      .default(4096)
      .describe("completion tokens reserved for a request that sets no max_tokens"),
    alerts: z
      .object({
        thresholds: z
          .array(z.number().positive().max(1))
          .default([0.5, 0.8, 1.0])
          .describe("fractions of a cap whose crossing is alerted, once per period"),
        webhook: webhook.optional(),
      })
      .strict()
      .prefault({}),
    fail_open: z
      .boolean()
      .default(false)
      .describe("admit calls (with a warning) when the budget store cannot be reached"),
  })
  .strict();

export type BudgetsConfig = z.infer<typeof budgetsSchema>;
export type BudgetRule = BudgetsConfig["global"][number];

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
