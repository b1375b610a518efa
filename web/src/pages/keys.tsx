import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiKey, KeySource } from "../../../gen/llmgw/v1/keys_pb.js";
import { createKey, listKeys, revokeKey, updateKey } from "../../../sdk/keys.ts";
import { Card } from "../components/card.tsx";
import { Empty, ErrorNotice } from "../components/notice.tsx";
import type { PageProps } from "../page.ts";
import { KeyEditor } from "./keys-editor.tsx";
import {
  describeBudget,
  describeLimit,
  EMPTY_FORM,
  type FormErrors,
  formOf,
  type KeyForm,
  keyChangesOf,
  newKeyOf,
} from "./keys-form.ts";
import { SecretOnce } from "./keys-secret.tsx";
import "./keys.css";

/** What the form panel is doing: nothing, creating a key, or editing one. */
type Panel = { kind: "none" } | { kind: "create" } | { kind: "edit"; key: ApiKey; before: KeyForm };

/**
 * The Keys page (admin only): every key with its scopes, limits and budgets;
 * create one (its secret shown once), edit one (UpdateKey with a mask of
 * what changed), revoke one after a confirmation.
 */
export function KeysPage({ client, session }: PageProps) {
  const [keys, setKeys] = useState<ApiKey[] | undefined>(undefined);
  const [showRevoked, setShowRevoked] = useState(false);
  const [listError, setListError] = useState<unknown>(undefined);
  const [panel, setPanel] = useState<Panel>({ kind: "none" });
  const [form, setForm] = useState<KeyForm>(EMPTY_FORM);
  const [errors, setErrors] = useState<FormErrors>({});
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<{ name: string; secret: string } | undefined>(undefined);
  const [revoking, setRevoking] = useState<ApiKey | undefined>(undefined);
  const [note, setNote] = useState("");
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    listKeys(client, { includeRevoked: showRevoked }, { signal: abort.signal })
      .then((k) => {
        setKeys(k);
        setListError(undefined);
      })
      .catch((e) => {
        if (!abort.signal.aborted) setListError(e);
      });
    return () => abort.abort();
  }, [client, showRevoked, generation]);

  const reload = () => setGeneration((g) => g + 1);
  const open = (next: Panel) => {
    setPanel(next);
    setErrors({});
    setActionError(undefined);
    setForm(next.kind === "edit" ? next.before : EMPTY_FORM);
    if (next.kind !== "none") setSecret(undefined);
  };

  /** Runs a create or an update; on success closes the form and lists the keys again, else shows why. */
  async function act(change: () => Promise<void>) {
    setBusy(true);
    try {
      await change();
      open({ kind: "none" });
      reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  }

  async function submit(event: Event) {
    event.preventDefault();
    setActionError(undefined);
    if (panel.kind === "create") {
      const parsed = newKeyOf(form);
      if (!parsed.ok) return setErrors(parsed.errors);
      setErrors({});
      await act(async () => {
        const made = await createKey(client, parsed.value.name, parsed.value.settings);
        setSecret({ name: made.key?.name ?? parsed.value.name, secret: made.secret });
        setNote("");
      });
    } else if (panel.kind === "edit") {
      const parsed = keyChangesOf(panel.before, form);
      if (!parsed.ok) return setErrors(parsed.errors);
      setErrors({});
      if (Object.keys(parsed.value).length === 0) return open({ kind: "none" });
      const name = panel.key.name;
      await act(async () => {
        await updateKey(client, name, parsed.value);
        setNote(`Saved the changes to “${name}”.`);
      });
    }
  }

  async function revoke(key: ApiKey) {
    setBusy(true);
    setActionError(undefined);
    try {
      await revokeKey(client, key.name);
      setNote(`Revoked “${key.name}”: the gateway refuses it from now on.`);
      setRevoking(undefined);
      if (secret?.name === key.name) setSecret(undefined);
      reload();
    } catch (e) {
      setActionError(e);
      setRevoking(undefined);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="page keys-page">
      {secret !== undefined && (
        <SecretOnce name={secret.name} secret={secret.secret} onDismiss={() => setSecret(undefined)} />
      )}
      {panel.kind !== "none" && (
        <Card title={panel.kind === "create" ? "Create a key" : `Edit “${panel.key.name}”`} wide>
          <form class="key-form" onSubmit={submit} noValidate>
            <KeyEditor form={form} errors={errors} editing={panel.kind === "edit"} onChange={setForm} />
            {actionError !== undefined && (
              <ErrorNotice error={actionError} what={panel.kind === "create" ? "Not created" : "Not saved"} />
            )}
            <div class="actions">
              <button type="button" class="ghost" onClick={() => open({ kind: "none" })}>
                Cancel
              </button>
              <button type="submit" class="primary" disabled={busy}>
                {busy ? "Working…" : panel.kind === "create" ? "Create key" : "Save changes"}
              </button>
            </div>
          </form>
        </Card>
      )}
      <Card
        title="API keys"
        wide
        actions={
          <>
            <label class="check">
              <input
                type="checkbox"
                checked={showRevoked}
                onChange={(e) => setShowRevoked(e.currentTarget.checked)}
              />
              Show revoked
            </label>
            <button type="button" class="primary" onClick={() => open({ kind: "create" })}>
              New key
            </button>
          </>
        }
      >
        <p class="muted small" role="status" aria-live="polite">
          {note}
        </p>
        {panel.kind === "none" && actionError !== undefined && <ErrorNotice error={actionError} />}
        {listError !== undefined && <ErrorNotice error={listError} what="Listing keys" />}
        {keys === undefined ? (
          listError === undefined && (
            <p class="muted" role="status">
              Loading keys…
            </p>
          )
        ) : keys.length === 0 ? (
          <Empty>No keys yet. Create one to give an application access.</Empty>
        ) : (
          <KeyTable
            keys={keys}
            me={session.name}
            onEdit={(key) => open({ kind: "edit", key, before: formOf(key) })}
            onRevoke={setRevoking}
          />
        )}
      </Card>
      <RevokeDialog
        target={revoking}
        busy={busy}
        onCancel={() => setRevoking(undefined)}
        onConfirm={(key) => void revoke(key)}
      />
    </div>
  );
}

function KeyTable({
  keys,
  me,
  onEdit,
  onRevoke,
}: {
  keys: ApiKey[];
  me: string;
  onEdit: (key: ApiKey) => void;
  onRevoke: (key: ApiKey) => void;
}) {
  return (
    <div class="table-wrap">
      <table class="table keys">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Owner · team</th>
            <th scope="col">Scopes</th>
            <th scope="col">Limits</th>
            <th scope="col">Budgets</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const stored = k.source === KeySource.STORED;
            const live = k.revokeTime === undefined;
            return (
              <tr key={k.name} data-key={k.name} class={live ? "" : "revoked"}>
                <th scope="row">
                  <div class="strong">
                    {k.name}
                    {k.admin && <span class="badge">admin</span>}
                    {k.name === me && <span class="pill pill-muted">you</span>}
                  </div>
                  <div class="muted small mono">{k.prefix ? `${k.prefix}…` : "from the config file"}</div>
                </th>
                <td>
                  {k.owner || "–"}
                  {k.team && <div class="muted small">team {k.team}</div>}
                </td>
                <td class="small">
                  <div>models: {k.modelsLimited ? k.models.join(", ") || "none" : "all"}</div>
                  <div>providers: {k.providersLimited ? k.providers.join(", ") || "none" : "all"}</div>
                </td>
                <td class="small">
                  {k.limitsSet ? (
                    k.limits.length === 0 ? (
                      "none"
                    ) : (
                      k.limits.map((l) => <div key={describeLimit(l)}>{describeLimit(l)}</div>)
                    )
                  ) : (
                    <span class="muted">config default</span>
                  )}
                </td>
                <td class="small">
                  {k.budgetsSet ? (
                    k.budgets.length === 0 ? (
                      "none"
                    ) : (
                      k.budgets.map((b) => <div key={b.period}>{describeBudget(b)}</div>)
                    )
                  ) : (
                    <span class="muted">config default</span>
                  )}
                </td>
                <td>
                  <Status keyInfo={k} />
                </td>
                <td class="row-actions">
                  {stored && live ? (
                    <>
                      <button
                        type="button"
                        class="ghost"
                        onClick={() => onEdit(k)}
                        aria-label={`Edit ${k.name}`}
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        class="danger ghost"
                        onClick={() => onRevoke(k)}
                        aria-label={`Revoke ${k.name}`}
                        disabled={k.name === me}
                        title={k.name === me ? "You are signed in with this key" : undefined}
                      >
                        Revoke
                      </button>
                    </>
                  ) : (
                    !stored && <span class="muted small">edit in the config file</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Status({ keyInfo: k }: { keyInfo: ApiKey }) {
  if (k.revokeTime !== undefined)
    return (
      <span class="pill pill-warn" title={timestampDate(k.revokeTime).toLocaleString()}>
        revoked
      </span>
    );
  if (!k.enabled) return <span class="pill pill-warn">disabled</span>;
  if (k.expireTime !== undefined && timestampDate(k.expireTime).getTime() < Date.now())
    return <span class="pill pill-warn">expired</span>;
  return <span class="pill pill-good">active</span>;
}

/** A modal confirmation before a revoke, which cannot be undone. */
function RevokeDialog({
  target,
  busy,
  onCancel,
  onConfirm,
}: {
  target: ApiKey | undefined;
  busy: boolean;
  onCancel: () => void;
  onConfirm: (key: ApiKey) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d === null) return;
    if (target !== undefined && !d.open) d.showModal();
    if (target === undefined && d.open) d.close();
  }, [target]);
  return (
    <dialog ref={dialog} class="confirm" aria-labelledby="revoke-title" onClose={onCancel}>
      {target !== undefined && (
        <form method="dialog" onSubmit={(e) => e.preventDefault()}>
          <h2 id="revoke-title">Revoke “{target.name}”?</h2>
          <p>
            Every application using this key is refused from its next request. A revoked key cannot be
            restored, and its name stays taken.
          </p>
          <div class="actions">
            <button type="button" class="ghost" onClick={onCancel}>
              Keep the key
            </button>
            <button type="button" class="danger" disabled={busy} onClick={() => onConfirm(target)}>
              Revoke key
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
