import { describe, expect, it } from "vitest";
import { budgetsSchema } from "./budgets-schema.ts";

const issues = (value: unknown) =>
  (budgetsSchema.safeParse(value).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? []).sort();

describe("the budgets config", () => {
  it("defaults to no budgets, UTC, and alerts at 50, 80 and 100 %", () => {
    expect(budgetsSchema.parse({})).toEqual({
      global: [],
      per_key: [],
      keys: {},
      teams: {},
      time_zone: "UTC",
      default_max_tokens: 4096,
      alerts: { thresholds: [0.5, 0.8, 1] },
      fail_open: false,
    });
  });

  it("refuses a rule with no cap, two rules for one period, an unknown zone and a short webhook secret", () => {
    expect(
      issues({
        per_key: [{ period: "day" }],
        global: [
          { usd: 1, period: "month" },
          { tokens: 5, period: "month" },
        ],
        time_zone: "Mars/Olympus",
        alerts: { webhook: { url: "http://127.0.0.1:9/x", secret: "short" } },
      }),
    ).toEqual([
      "alerts.webhook.secret: use a secret of at least 16 characters",
      'global.1.period: two "month" budgets in one list',
      "per_key.0: a budget needs usd, tokens or both",
      "time_zone: not an IANA time zone (e.g. UTC, Europe/Paris)",
    ]);
  });

  it("refuses a cap no budget store counts exactly (past 2^53 micro-units), which would stop every call it covers", () => {
    expect(
      issues({ global: [{ usd: 1e308, period: "day" }], per_key: [{ tokens: 1e12, period: "day" }] }),
    ).toEqual([
      "global.0.usd: Too big: expected number to be <=9007199254",
      "per_key.0.tokens: Too big: expected number to be <=9007199254",
    ]);
    expect(issues({ global: [{ usd: 9_007_199_254, period: "day" }] })).toEqual([]);
  });
});
