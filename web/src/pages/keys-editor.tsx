import { EMPTY_LIMIT, type FormErrors, type KeyForm, type LimitRow } from "./keys-form.ts";

interface EditorProps {
  readonly form: KeyForm;
  readonly errors: FormErrors;
  /** Editing an existing key: its name cannot change. */
  readonly editing: boolean;
  readonly onChange: (form: KeyForm) => void;
}

/** The key form's fields: who it is for, its scopes, its own limits and budgets. */
export function KeyEditor({ form, errors, editing, onChange }: EditorProps) {
  const set = <K extends keyof KeyForm>(field: K, value: KeyForm[K]) => onChange({ ...form, [field]: value });
  const setLimit = (i: number, row: LimitRow) =>
    set(
      "limits",
      form.limits.map((r, j) => (j === i ? row : r)),
    );
  return (
    <div class="key-editor">
      <fieldset>
        <legend>Key</legend>
        <div class="field-grid">
          <Field id="key-name" label="Name" error={errors.name}>
            <input
              id="key-name"
              value={form.name}
              disabled={editing}
              required
              autoComplete="off"
              placeholder="search-app"
              onInput={(e) => set("name", e.currentTarget.value)}
            />
          </Field>
          <Field id="key-owner" label="Owner">
            <input
              id="key-owner"
              value={form.owner}
              placeholder="ana@example.com"
              onInput={(e) => set("owner", e.currentTarget.value)}
            />
          </Field>
          <Field id="key-team" label="Team">
            <input id="key-team" value={form.team} onInput={(e) => set("team", e.currentTarget.value)} />
          </Field>
          <label class="check">
            <input
              type="checkbox"
              name="key-admin"
              checked={form.admin}
              onChange={(e) => set("admin", e.currentTarget.checked)}
            />
            Admin key (manages keys, routing and every key's usage)
          </label>
        </div>
      </fieldset>
      <fieldset>
        <legend>Scopes</legend>
        <div class="field-grid">
          <Field
            id="key-models"
            label="Models"
            hint="Blank: every model. Names or prefixes ending in *, comma-separated."
          >
            <input
              id="key-models"
              aria-describedby="key-models-hint"
              value={form.models}
              placeholder="gpt-4o-mini, mock-*"
              onInput={(e) => set("models", e.currentTarget.value)}
            />
          </Field>
          <Field id="key-providers" label="Providers" hint="Blank: every provider.">
            <input
              id="key-providers"
              aria-describedby="key-providers-hint"
              value={form.providers}
              placeholder="openai, mock"
              onInput={(e) => set("providers", e.currentTarget.value)}
            />
          </Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>Rate limits</legend>
        <label class="check">
          <input
            type="checkbox"
            name="key-own-limits"
            checked={form.ownLimits}
            onChange={(e) => set("ownLimits", e.currentTarget.checked)}
          />
          Own limits, in place of the config's per-key limits
        </label>
        {form.ownLimits && (
          <>
            {form.limits.length === 0 && (
              <p class="muted small">No rules: this key has no per-key limit at all.</p>
            )}
            {form.limits.map((row, i) => (
              <fieldset class="limit-row" key={i} aria-label={`Limit rule ${i + 1}`}>
                <Field id={`limit-${i}-requests`} label="Requests" error={errors[`limits.${i}.requests`]}>
                  <input
                    id={`limit-${i}-requests`}
                    inputMode="numeric"
                    class="narrow"
                    value={row.requests}
                    onInput={(e) => setLimit(i, { ...row, requests: e.currentTarget.value })}
                  />
                </Field>
                <Field id={`limit-${i}-tokens`} label="Tokens" error={errors[`limits.${i}.tokens`]}>
                  <input
                    id={`limit-${i}-tokens`}
                    inputMode="numeric"
                    class="medium"
                    value={row.tokens}
                    onInput={(e) => setLimit(i, { ...row, tokens: e.currentTarget.value })}
                  />
                </Field>
                <Field id={`limit-${i}-window`} label="per window" error={errors[`limits.${i}.window`]}>
                  <input
                    id={`limit-${i}-window`}
                    class="narrow"
                    value={row.window}
                    placeholder="1m"
                    onInput={(e) => setLimit(i, { ...row, window: e.currentTarget.value })}
                  />
                </Field>
                <Field id={`limit-${i}-concurrent`} label="At once" error={errors[`limits.${i}.concurrent`]}>
                  <input
                    id={`limit-${i}-concurrent`}
                    inputMode="numeric"
                    class="narrow"
                    value={row.concurrent}
                    onInput={(e) => setLimit(i, { ...row, concurrent: e.currentTarget.value })}
                  />
                </Field>
                <button
                  type="button"
                  class="icon"
                  aria-label={`Remove limit rule ${i + 1}`}
                  onClick={() =>
                    set(
                      "limits",
                      form.limits.filter((_, j) => j !== i),
                    )
                  }
                >
                  ✕
                </button>
              </fieldset>
            ))}
            <button type="button" class="ghost" onClick={() => set("limits", [...form.limits, EMPTY_LIMIT])}>
              Add a rule
            </button>
          </>
        )}
      </fieldset>
      <fieldset>
        <legend>Budgets</legend>
        <label class="check">
          <input
            type="checkbox"
            name="key-own-budgets"
            checked={form.ownBudgets}
            onChange={(e) => set("ownBudgets", e.currentTarget.checked)}
          />
          Own budgets, in place of the config's per-key budgets
        </label>
        {form.ownBudgets && (
          <div class="budget-grid">
            {(["day", "month"] as const).map((period) => (
              <fieldset class="limit-row" key={period} aria-label={`Budget per ${period}`}>
                <Field id={`key-${period}-usd`} label={`USD per ${period}`} error={errors[`${period}.usd`]}>
                  <input
                    id={`key-${period}-usd`}
                    inputMode="decimal"
                    class="medium"
                    value={form[period].usd}
                    onInput={(e) => set(period, { ...form[period], usd: e.currentTarget.value })}
                  />
                </Field>
                <Field
                  id={`key-${period}-tokens`}
                  label={`Tokens per ${period}`}
                  error={errors[`${period}.tokens`]}
                >
                  <input
                    id={`key-${period}-tokens`}
                    inputMode="numeric"
                    class="medium"
                    value={form[period].tokens}
                    onInput={(e) => set(period, { ...form[period], tokens: e.currentTarget.value })}
                  />
                </Field>
              </fieldset>
            ))}
          </div>
        )}
      </fieldset>
    </div>
  );
}

/**
 * A labelled input with its hint and its error, tied to it for screen
 * readers; the child input carries `id` (and `aria-describedby`
 * `${id}-hint` when there is a hint).
 */
function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string | undefined;
  children: preact.ComponentChildren;
}) {
  return (
    <div class={error === undefined ? "field" : "field invalid"}>
      <label class="field-label" for={id}>
        {label}
      </label>
      {children}
      {hint !== undefined && (
        <span class="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {error !== undefined && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
