import { useState } from "preact/hooks";
import { ErrorNotice } from "../components/notice.tsx";

/** The sign-in form: a gateway API key, checked by KeysService.GetCurrentKey before it is kept. */
export function SignIn(props: {
  readonly onSubmit: (key: string) => Promise<void>;
  readonly error: unknown;
  readonly note?: string | undefined;
}) {
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (key.trim() === "" || busy) return;
    setBusy(true);
    try {
      await props.onSubmit(key.trim());
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <div class="brand brand-large" aria-hidden="true">
          <span class="brand-mark">◆</span> LLMGW
        </div>
        <h1 id="signin-title">Sign in to the dashboard</h1>
        <p class="muted">
          Use a gateway API key. It is kept in this tab only (sessionStorage) and sent as a bearer token.
        </p>
        {props.note === undefined ? null : (
          <div class="notice notice-warn" role="status">
            {props.note}
          </div>
        )}
        {props.error === undefined ? null : <ErrorNotice error={props.error} />}
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="current-password"
          spellcheck={false}
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          required
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
