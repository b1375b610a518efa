import { useEffect, useMemo, useState } from "preact/hooks";
import type { Model } from "../../../gen/llmgw/v1/models_pb.js";
import { getRoutingConfig, updateRoutingConfig } from "../../../sdk/routing.ts";
import type { RoutingConfigJson, RoutingStrategyName } from "../../../sdk/routing-config.ts";
import { Card } from "../components/card.tsx";
import { Empty, ErrorNotice } from "../components/notice.tsx";
import type { PageProps } from "../page.ts";
import { VIRTUAL_MODELS } from "./playground-run.ts";
import { isChanged, withDefaultStrategy } from "./routing-edit.ts";
import { RouteExplainer } from "./routing-explain.tsx";
import { ModelEditor } from "./routing-model.tsx";
import { StrategyOptions } from "./routing-strategy-options.tsx";
import "./routing.css";

interface Loaded {
  readonly saved: RoutingConfigJson;
  readonly catalogue: ReadonlyMap<string, Model>;
}

/**
 * The Routing page: each routed model's strategy, weights, constraints and
 * fallback chain, edited as a draft and saved whole with
 * UpdateRoutingConfig; the gateway's refusal is shown as it words it. Any
 * key may look; only admin keys may save. Below, the explain box.
 */
export function RoutingPage({ client, session }: PageProps) {
  const [loaded, setLoaded] = useState<Loaded | undefined>(undefined);
  const [draft, setDraft] = useState<RoutingConfigJson | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  const [note, setNote] = useState("");

  useEffect(() => {
    const abort = new AbortController();
    const signal = abort.signal;
    Promise.all([getRoutingConfig(client, { signal }), client.models.listModels({}, { signal })])
      .then(([saved, { models }]) => {
        setLoaded({ saved, catalogue: new Map(models.map((m) => [`${m.provider}:${m.upstreamModel}`, m])) });
        setDraft(saved);
      })
      .catch((e) => {
        if (!signal.aborted) setLoadError(e);
      });
    return () => abort.abort();
  }, [client]);

  const explainModels = useMemo(
    () => [...(loaded?.saved.models ?? []).map((m) => m.name), ...VIRTUAL_MODELS],
    [loaded],
  );

  if (loadError !== undefined) return <ErrorNotice error={loadError} what="Loading the routing config" />;
  if (loaded === undefined || draft === undefined)
    return (
      <p class="muted" role="status">
        Loading the routing config…
      </p>
    );

  const readOnly = !session.admin;
  const changed = isChanged(loaded.saved, draft);

  const edit = (next: RoutingConfigJson) => {
    setDraft(next);
    setNote("");
    setSaveError(undefined);
  };

  async function save() {
    if (draft === undefined || loaded === undefined) return;
    setSaving(true);
    setSaveError(undefined);
    try {
      const now = await updateRoutingConfig(client, draft);
      setLoaded({ ...loaded, saved: now });
      setDraft(now);
      setNote("Saved. The new routing is in force.");
    } catch (e) {
      setSaveError(e);
    } finally {
      setSaving(false);
    }
  }

  return (
    <div class="page routing-page">
      <section class="toolbar" aria-label="Routing config">
        <div class="inline">
          <label for="default-strategy">Default strategy</label>
          <select
            id="default-strategy"
            disabled={readOnly}
            value={draft.strategy ?? "weighted"}
            onChange={(e) => edit(withDefaultStrategy(draft, e.currentTarget.value as RoutingStrategyName))}
          >
            <StrategyOptions />
          </select>
        </div>
        <span class="spacer" />
        {readOnly ? (
          <span class="muted small">Read only: saving needs an admin key.</span>
        ) : (
          <>
            <span class="muted small" role="status" aria-live="polite">
              {changed ? "Unsaved changes" : note}
            </span>
            <button
              type="button"
              class="ghost"
              disabled={!changed || saving}
              onClick={() => edit(loaded.saved)}
            >
              Discard
            </button>
            <button type="button" class="primary" disabled={!changed || saving} onClick={save}>
              {saving ? "Saving…" : "Save routing"}
            </button>
          </>
        )}
      </section>
      {saveError !== undefined && <ErrorNotice error={saveError} what="Not saved" />}
      {(draft.models ?? []).length === 0 ? (
        <Card title="Routed models">
          <Empty>
            No routed models: requests go to the provider that lists the model. Add models under
            `routing.models` in the config file.
          </Empty>
        </Card>
      ) : (
        <div class="models-grid">
          {(draft.models ?? []).map((m) => (
            <ModelEditor
              key={m.name}
              model={m}
              draft={draft}
              catalogue={loaded.catalogue}
              readOnly={readOnly}
              onChange={edit}
            />
          ))}
        </div>
      )}
      <RouteExplainer client={client} models={explainModels} />
    </div>
  );
}
