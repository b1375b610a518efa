import { STRATEGY_CHOICES } from "./routing-edit.ts";

/** The routing strategies as a select's options, each with what it does. */
export function StrategyOptions() {
  return (
    <>
      {STRATEGY_CHOICES.map((s) => (
        <option key={s.name} value={s.name}>
          {s.name} — {s.hint}
        </option>
      ))}
    </>
  );
}
