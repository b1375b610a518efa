import { useEffect, useMemo, useState } from "preact/hooks";
import type { LlmgwClient } from "../../../sdk/client.ts";
import type { Session } from "../page.ts";
import { PAGES } from "../pages/registry.ts";
import { dashboardClient } from "./client.ts";
import { Connection, type ConnectionState } from "./connection.ts";
import { resolvePage, visiblePages } from "./route.ts";
import { forgetKey, storedKey, storeKey } from "./session-store.ts";
import { SignIn } from "./sign-in.tsx";

interface Signed {
  readonly session: Session;
  readonly client: LlmgwClient;
  readonly connection: Connection;
}

/** Checks a key with GetCurrentKey, which any valid key may call, and says who it is. */
async function signIn(key: string): Promise<Signed> {
  const connection = new Connection();
  const client = dashboardClient(key, connection);
  const { key: me } = await client.keys.getCurrentKey({});
  return { session: { key, name: me?.name ?? "", admin: me?.admin ?? false }, client, connection };
}

/** The whole app: sign-in until a key is accepted, then the shell. */
export function App() {
  const [signed, setSigned] = useState<Signed | undefined>();
  const [error, setError] = useState<unknown>();
  const [note, setNote] = useState<string | undefined>();
  const [restoring, setRestoring] = useState(storedKey() !== undefined);

  const accept = async (key: string) => {
    try {
      const result = await signIn(key);
      storeKey(key);
      setError(undefined);
      setNote(undefined);
      setSigned(result);
    } catch (err) {
      setError(err);
    }
  };
  const signOut = (why?: string) => {
    forgetKey();
    setSigned(undefined);
    setNote(why);
  };

  useEffect(() => {
    const key = storedKey();
    if (key !== undefined) void accept(key).finally(() => setRestoring(false));
  }, []);
  useEffect(() => {
    if (signed === undefined) return;
    signed.connection.onRefused = () => signOut("The gateway no longer accepts this key. Sign in again.");
    return () => {
      signed.connection.onRefused = undefined;
    };
  }, [signed]);

  if (signed === undefined) {
    if (restoring)
      return (
        <main class="signin">
          <p class="muted" role="status">
            Signing in…
          </p>
        </main>
      );
    return <SignIn onSubmit={accept} error={error} note={note} />;
  }
  return <Shell signed={signed} onSignOut={() => signOut()} />;
}

/** The hash the browser is on, as state. */
function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = () => setHash(location.hash);
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return hash;
}

/** The connection's state, with a probe every 2 s while it is lost, so the shell recovers by itself. */
function useConnection(signed: Signed): ConnectionState {
  const [state, setState] = useState(signed.connection.state);
  useEffect(() => signed.connection.subscribe(setState), [signed]);
  useEffect(() => {
    if (state === "online") return;
    const timer = setInterval(() => {
      signed.client.keys.getCurrentKey({}).catch(() => {});
    }, 2000);
    return () => clearInterval(timer);
  }, [state, signed]);
  return state;
}

function Shell({ signed, onSignOut }: { readonly signed: Signed; readonly onSignOut: () => void }) {
  const hash = useHash();
  const connection = useConnection(signed);
  const { session, client } = signed;
  const nav = useMemo(() => visiblePages(PAGES, session.admin), [session.admin]);
  const resolved = resolvePage(PAGES, hash, session.admin);

  useEffect(() => {
    if (resolved.kind === "unknown" && resolved.fallback !== undefined)
      location.replace(`#/${resolved.fallback.id}`);
  }, [resolved.kind, resolved.kind === "unknown" ? resolved.fallback?.id : undefined]);
  const current = resolved.kind === "unknown" ? undefined : resolved.page;
  useEffect(() => {
    document.title = current === undefined ? "LLMGW dashboard" : `${current.title} · LLMGW`;
  }, [current?.id]);

  return (
    <div class="layout">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>{" "}
          LLMGW
        </div>
        <nav class="nav" aria-label="Pages">
          <ul>
            {nav.map((page) => (
              <li key={page.id}>
                <a href={`#/${page.id}`} aria-current={current?.id === page.id ? "page" : undefined}>
                  {page.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class="who-name" title="The signed-in key">
            {session.name}
          </span>
          {session.admin ? <span class="badge">admin</span> : null}
          <button type="button" class="ghost" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      {connection === "reconnecting" ? (
        <div class="banner" role="status" aria-live="polite">
          <span class="spinner" aria-hidden="true" /> The gateway cannot be reached. Reconnecting…
        </div>
      ) : null}
      <main id="main" class="main" tabIndex={-1}>
        {resolved.kind === "page" ? (
          <>
            <h1 class="page-title">{resolved.page.title}</h1>
            <resolved.page.component key={resolved.page.id} client={client} session={session} />
          </>
        ) : resolved.kind === "admin-only" ? (
          <>
            <h1 class="page-title">{resolved.page.title}</h1>
            <div class="notice notice-error" role="alert">
              <strong>Admin only.</strong> {resolved.page.title} needs an admin key; you are signed in as “
              {session.name}”, which is not one.
            </div>
          </>
        ) : (
          <p class="muted">No page to show.</p>
        )}
      </main>
    </div>
  );
}
