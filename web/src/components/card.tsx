import type { ComponentChildren } from "preact";

/** A titled panel. */
export function Card(props: {
  readonly title: string;
  readonly children: ComponentChildren;
  readonly actions?: ComponentChildren;
  readonly wide?: boolean;
}) {
  const id = `card-${props.title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <section class={props.wide ? "card card-wide" : "card"} aria-labelledby={id}>
      <header class="card-head">
        <h2 id={id}>{props.title}</h2>
        {props.actions === undefined ? null : <div class="card-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

/** One big figure with its label, and an optional line under it. */
export function Stat(props: {
  readonly label: string;
  readonly value: string;
  readonly note?: string;
  readonly tone?: "good" | "bad" | "warn";
}) {
  return (
    <div class={`stat${props.tone ? ` stat-${props.tone}` : ""}`}>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value" data-stat={props.label}>
        {props.value}
      </div>
      {props.note === undefined ? null : <div class="stat-note">{props.note}</div>}
    </div>
  );
}
