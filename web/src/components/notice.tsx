import { describeError } from "../shell/describe-error.ts";

/** An RPC's error as a readable message (never JSON), with what the gateway said. */
export function ErrorNotice({ error, what }: { readonly error: unknown; readonly what?: string }) {
  const view = describeError(error);
  return (
    <div class={`notice notice-${view.kind === "reconnecting" ? "warn" : "error"}`} role="alert">
      <strong>{what === undefined ? view.title : `${what}: ${view.title.toLowerCase()}`}</strong>
      {view.detail === "" ? null : <span> — {view.detail}</span>}
    </div>
  );
}

/** A plain statement that some data does not exist (yet), rather than an empty box. */
export function Empty({ children }: { readonly children: preact.ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
