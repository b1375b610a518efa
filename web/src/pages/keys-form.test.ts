import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { BudgetPeriod } from "../../../gen/llmgw/v1/budget_pb.js";
import { ApiKeySchema, KeyBudgetSchema, KeyLimitSchema } from "../../../gen/llmgw/v1/keys_pb.js";
import {
  describeBudget,
  describeLimit,
  EMPTY_FORM,
  EMPTY_LIMIT,
  formOf,
  type KeyForm,
  keyChangesOf,
  newKeyOf,
} from "./keys-form.ts";

const full: KeyForm = {
  ...EMPTY_FORM,
  name: " search-app ",
  owner: "ana@example.com",
  team: "search",
  admin: false,
  models: "gpt-4o-mini, mock-*  mock-small,gpt-4o-mini",
  providers: "mock",
  ownLimits: true,
  limits: [
    { requests: "120", tokens: "50,000", concurrent: "", window: "1m" },
    { requests: "", tokens: "", concurrent: "4", window: "" },
    { ...EMPTY_LIMIT },
  ],
  ownBudgets: true,
  day: { usd: "$5", tokens: "" },
  month: { usd: "", tokens: "1000000" },
};

describe("the key form as a new key's settings", () => {
  it("maps every field, trimming, splitting lists and dropping blank limit rows", () => {
    const parsed = newKeyOf(full);
    expect(parsed).toEqual({
      ok: true,
      value: {
        name: "search-app",
        settings: {
          owner: "ana@example.com",
          team: "search",
          models: ["gpt-4o-mini", "mock-*", "mock-small"],
          providers: ["mock"],
          limits: [{ requests: 120, tokens: 50_000, window: "1m" }, { concurrent: 4 }],
          budgets: [
            { period: "day", usd: 5 },
            { period: "month", tokens: 1_000_000 },
          ],
        },
      },
    });
  });

  it("leaves out what is blank, so the gateway's defaults apply (every model, the config's limits)", () => {
    expect(newKeyOf({ ...EMPTY_FORM, name: "plain" })).toEqual({
      ok: true,
      value: { name: "plain", settings: {} },
    });
  });

  it("sends an empty list of own limits as 'no limit at all', not as the config's", () => {
    const parsed = newKeyOf({ ...EMPTY_FORM, name: "free", ownLimits: true, limits: [] });
    expect(parsed.ok && parsed.value.settings.limits).toEqual([]);
  });

  it("names each bad field: name, numbers, missing window, bad amounts", () => {
    const parsed = newKeyOf({
      ...EMPTY_FORM,
      name: "has space",
      ownLimits: true,
      limits: [
        { requests: "-3", tokens: "1.5", concurrent: "x", window: "" },
        { ...EMPTY_LIMIT, tokens: "9", window: "soon" },
      ],
      ownBudgets: true,
      day: { usd: "0", tokens: "" },
      month: { usd: "abc", tokens: "" },
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.errors).sort()).toEqual([
      "day.usd",
      "limits.0.concurrent",
      "limits.0.requests",
      "limits.0.tokens",
      "limits.1.window",
      "month.usd",
      "name",
    ]);
  });

  it("refuses an empty or over-long name", () => {
    expect(newKeyOf({ ...EMPTY_FORM, name: "  " }).ok).toBe(false);
    expect(newKeyOf({ ...EMPTY_FORM, name: "a".repeat(129) }).ok).toBe(false);
    expect(newKeyOf({ ...EMPTY_FORM, name: "a".repeat(128) }).ok).toBe(true);
  });
});

describe("an edited key form as UpdateKey changes", () => {
  it("names only the fields that changed", () => {
    const before = { ...full, ownLimits: false, ownBudgets: false };
    const after = { ...before, team: "ranking", models: "mock-small" };
    expect(keyChangesOf(before, after)).toEqual({
      ok: true,
      value: { team: "ranking", models: ["mock-small"] },
    });
    expect(keyChangesOf(before, before)).toEqual({ ok: true, value: {} });
  });

  it("treats a reordered or reformatted list as unchanged", () => {
    const before = { ...EMPTY_FORM, models: "a, b" };
    expect(keyChangesOf(before, { ...before, models: "a b" })).toEqual({ ok: true, value: {} });
  });

  it("clears a list, or hands limits and budgets back to the config, with null", () => {
    const after = { ...full, models: "", providers: " ", ownLimits: false, ownBudgets: false };
    expect(keyChangesOf(full, after)).toEqual({
      ok: true,
      value: { models: null, providers: null, limits: null, budgets: null },
    });
  });

  it("sends the whole new list of limits when one rule changes", () => {
    const after = { ...full, limits: [{ ...EMPTY_LIMIT, requests: "10", window: "1h" }] };
    const parsed = keyChangesOf(full, after);
    expect(parsed.ok && parsed.value).toEqual({ limits: [{ requests: 10, window: "1h" }] });
  });
});

describe("a stored key shown in the form and in words", () => {
  const key = create(ApiKeySchema, {
    name: "batch",
    owner: "ops",
    team: "",
    admin: true,
    modelsLimited: true,
    models: ["mock-small", "gpt-*"],
    providersLimited: false,
    limitsSet: true,
    limits: [
      { requests: 100n, window: "1m" },
      { concurrent: 2, window: "" },
    ],
    budgetsSet: true,
    budgets: [{ usd: 2.5, period: BudgetPeriod.MONTH }],
  });

  it("fills the form from the key, and an untouched form changes nothing", () => {
    const form = formOf(key);
    expect(form).toMatchObject({
      name: "batch",
      admin: true,
      models: "mock-small, gpt-*",
      providers: "",
      ownLimits: true,
      limits: [
        { requests: "100", tokens: "", concurrent: "", window: "1m" },
        { requests: "", tokens: "", concurrent: "2", window: "" },
      ],
      ownBudgets: true,
      day: { usd: "", tokens: "" },
      month: { usd: "2.5", tokens: "" },
    });
    expect(keyChangesOf(form, form)).toEqual({ ok: true, value: {} });
  });

  it("describes limits and budgets as sentences", () => {
    expect(describeLimit(create(KeyLimitSchema, { requests: 120n, tokens: 50_000n, window: "1m" }))).toBe(
      "120 requests, 50,000 tokens / 1m",
    );
    expect(describeLimit(create(KeyLimitSchema, { concurrent: 4 }))).toBe("4 at once");
    expect(
      describeBudget(create(KeyBudgetSchema, { usd: 5, tokens: 1_000_000n, period: BudgetPeriod.DAY })),
    ).toBe("$5.00, 1,000,000 tokens a day");
  });
});
