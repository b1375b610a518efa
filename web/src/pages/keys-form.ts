import { BudgetPeriod } from "../../../gen/llmgw/v1/budget_pb.js";
import type { ApiKey, KeyBudget, KeyLimit } from "../../../gen/llmgw/v1/keys_pb.js";
import type { KeyBudgetRule, KeyChanges, KeyLimitRule, NewKeySettings } from "../../../sdk/keys.ts";
import { formatCount, formatUsd } from "../format/numbers.ts";

/**
 * The Keys page's form, as the text its inputs hold, and its mapping to the
 * SDK's key settings: what to create, and for an edit only what changed (the
 * update mask names those fields and no others). The gateway validates again
 * and has the last word; this catches typing slips before a round trip.
 */

/** One rate-limit row as typed: blank numbers are not counted. */
export interface LimitRow {
  readonly requests: string;
  readonly tokens: string;
  readonly concurrent: string;
  readonly window: string;
}

/** One budget period's caps as typed: blank means no cap of that kind. */
export interface BudgetRow {
  readonly usd: string;
  readonly tokens: string;
}

export interface KeyForm {
  readonly name: string;
  readonly owner: string;
  readonly team: string;
  readonly admin: boolean;
  /** Comma- or space-separated; blank allows every model. */
  readonly models: string;
  /** Comma- or space-separated; blank allows every provider. */
  readonly providers: string;
  /** False: the config's per-key limits apply. True: `limits` replace them (none at all if empty). */
  readonly ownLimits: boolean;
  readonly limits: readonly LimitRow[];
  /** False: the config's per-key budgets apply. True: `day` and `month` replace them. */
  readonly ownBudgets: boolean;
  readonly day: BudgetRow;
  readonly month: BudgetRow;
}

/** A form field's problem, keyed by the field (`limits.0.window`, `day.usd`, …). */
export type FormErrors = Readonly<Record<string, string>>;

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: FormErrors };

export const EMPTY_LIMIT: LimitRow = { requests: "", tokens: "", concurrent: "", window: "1m" };

export const EMPTY_FORM: KeyForm = {
  name: "",
  owner: "",
  team: "",
  admin: false,
  models: "",
  providers: "",
  ownLimits: false,
  limits: [],
  ownBudgets: false,
  day: { usd: "", tokens: "" },
  month: { usd: "", tokens: "" },
};

const NAME = /^[A-Za-z0-9._:@-]{1,128}$/;
const WINDOW = /^\d+(ms|s|m|h|d)$/;

/** The settings of a new key, or what is wrong with the form. */
export function newKeyOf(form: KeyForm): Parsed<{ name: string; settings: NewKeySettings }> {
  const errors: Record<string, string> = {};
  const name = form.name.trim();
  if (!NAME.test(name)) errors.name = "Use 1 to 128 letters, digits or . _ : @ -";
  const limits = limitRules(form, errors);
  const budgets = budgetRules(form, errors);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const models = list(form.models);
  const providers = list(form.providers);
  const settings: NewKeySettings = {
    ...(form.owner.trim() === "" ? {} : { owner: form.owner.trim() }),
    ...(form.team.trim() === "" ? {} : { team: form.team.trim() }),
    ...(form.admin ? { admin: true } : {}),
    ...(models.length === 0 ? {} : { models }),
    ...(providers.length === 0 ? {} : { providers }),
    ...(limits === null ? {} : { limits }),
    ...(budgets === null ? {} : { budgets }),
  };
  return { ok: true, value: { name, settings } };
}

/**
 * The changes from `before` to `after`, only the fields that differ, for
 * UpdateKey's mask; a list emptied becomes `null` (allow everything), and
 * limits or budgets handed back to the config become `null` too.
 */
export function keyChangesOf(before: KeyForm, after: KeyForm): Parsed<KeyChanges> {
  const errors: Record<string, string> = {};
  const limits = limitRules(after, errors);
  const budgets = budgetRules(after, errors);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const changes: { -readonly [K in keyof KeyChanges]: KeyChanges[K] } = {};
  if (after.owner.trim() !== before.owner.trim()) changes.owner = after.owner.trim();
  if (after.team.trim() !== before.team.trim()) changes.team = after.team.trim();
  if (after.admin !== before.admin) changes.admin = after.admin;
  if (!sameList(before.models, after.models)) changes.models = nullIfEmpty(list(after.models));
  if (!sameList(before.providers, after.providers)) changes.providers = nullIfEmpty(list(after.providers));
  const beforeLimits = limitRules(before, {});
  if (JSON.stringify(beforeLimits) !== JSON.stringify(limits)) changes.limits = limits;
  const beforeBudgets = budgetRules(before, {});
  if (JSON.stringify(beforeBudgets) !== JSON.stringify(budgets)) changes.budgets = budgets;
  return { ok: true, value: changes };
}

/** The form showing a key as it is, to edit it. */
export function formOf(key: ApiKey): KeyForm {
  const day = key.budgets.find((b) => b.period === BudgetPeriod.DAY);
  const month = key.budgets.find((b) => b.period === BudgetPeriod.MONTH);
  return {
    name: key.name,
    owner: key.owner,
    team: key.team,
    admin: key.admin,
    models: key.modelsLimited ? key.models.join(", ") : "",
    providers: key.providersLimited ? key.providers.join(", ") : "",
    ownLimits: key.limitsSet,
    limits: key.limits.map((l) => ({
      requests: l.requests === undefined ? "" : String(l.requests),
      tokens: l.tokens === undefined ? "" : String(l.tokens),
      concurrent: l.concurrent === undefined ? "" : String(l.concurrent),
      window: l.window,
    })),
    ownBudgets: key.budgetsSet,
    day: budgetRow(day),
    month: budgetRow(month),
  };
}

/** A limit as people read it: "120 requests, 50,000 tokens / 1m; 4 at once". */
export function describeLimit(l: KeyLimit): string {
  const per: string[] = [];
  if (l.requests !== undefined) per.push(`${formatCount(l.requests)} requests`);
  if (l.tokens !== undefined) per.push(`${formatCount(l.tokens)} tokens`);
  const parts = per.length === 0 ? [] : [`${per.join(", ")} / ${l.window}`];
  if (l.concurrent !== undefined) parts.push(`${l.concurrent} at once`);
  return parts.join("; ");
}

/** A budget as people read it: "$5.00, 1,000,000 tokens a day". */
export function describeBudget(b: KeyBudget): string {
  const caps: string[] = [];
  if (b.usd !== undefined) caps.push(formatUsd(b.usd));
  if (b.tokens !== undefined) caps.push(`${formatCount(b.tokens)} tokens`);
  return `${caps.join(", ")} ${b.period === BudgetPeriod.DAY ? "a day" : "a month"}`;
}

function limitRules(form: KeyForm, errors: Record<string, string>): KeyLimitRule[] | null {
  if (!form.ownLimits) return null;
  const rules: KeyLimitRule[] = [];
  form.limits.forEach((row, i) => {
    const requests = whole(row.requests, `limits.${i}.requests`, errors);
    const tokens = whole(row.tokens, `limits.${i}.tokens`, errors);
    const concurrent = whole(row.concurrent, `limits.${i}.concurrent`, errors);
    const window = row.window.trim();
    const windowed = requests !== undefined || tokens !== undefined;
    if (windowed && !WINDOW.test(window)) errors[`limits.${i}.window`] = "A window such as 30s, 1m, 1h or 1d";
    if (requests === undefined && tokens === undefined && concurrent === undefined) return;
    rules.push({
      ...(requests === undefined ? {} : { requests }),
      ...(tokens === undefined ? {} : { tokens }),
      ...(concurrent === undefined ? {} : { concurrent }),
      ...(windowed ? { window } : {}),
    });
  });
  return rules;
}

function budgetRules(form: KeyForm, errors: Record<string, string>): KeyBudgetRule[] | null {
  if (!form.ownBudgets) return null;
  const rules: KeyBudgetRule[] = [];
  for (const period of ["day", "month"] as const) {
    const row = form[period];
    const usd = dollars(row.usd, `${period}.usd`, errors);
    const tokens = whole(row.tokens, `${period}.tokens`, errors);
    if (usd === undefined && tokens === undefined) continue;
    rules.push({
      period,
      ...(usd === undefined ? {} : { usd }),
      ...(tokens === undefined ? {} : { tokens }),
    });
  }
  return rules;
}

function whole(text: string, field: string, errors: Record<string, string>): number | undefined {
  const t = text.trim().replaceAll(",", "").replaceAll("_", "");
  if (t === "") return undefined;
  const n = Number(t);
  if (!Number.isSafeInteger(n) || n < 1) {
    errors[field] = "A whole number, 1 or more";
    return undefined;
  }
  return n;
}

function dollars(text: string, field: string, errors: Record<string, string>): number | undefined {
  const t = text.trim().replace(/^\$/, "");
  if (t === "") return undefined;
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0) {
    errors[field] = "An amount in USD above 0";
    return undefined;
  }
  return n;
}

function list(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((item) => item !== ""))];
}

function sameList(a: string, b: string): boolean {
  return list(a).join("\n") === list(b).join("\n");
}

function nullIfEmpty(items: string[]): string[] | null {
  return items.length === 0 ? null : items;
}

function budgetRow(b: KeyBudget | undefined): BudgetRow {
  return {
    usd: b?.usd === undefined ? "" : String(b.usd),
    tokens: b?.tokens === undefined ? "" : String(b.tokens),
  };
}
