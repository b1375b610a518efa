import { useEffect, useRef, useState } from "preact/hooks";
import { getRoutingConfig } from "../../../sdk/routing.ts";
import { Card } from "../components/card.tsx";
import { ErrorNotice } from "../components/notice.tsx";
import type { PageProps } from "../page.ts";
import { RunPanel } from "./playground-panel.tsx";
import {
  chatRequestOf,
  type PlaygroundParams,
  type RunState,
  STARTED,
  streamRun,
  VIRTUAL_MODELS,
} from "./playground-run.ts";
import { StrategyOptions } from "./routing-strategy-options.tsx";
import "./playground.css";

const MAX_COMPARE = 3;

/**
 * The Playground: a prompt, a model (or auto, fast, cheap, quality) and a
 * routing strategy, streamed token by token over ChatService.Stream, with
 * the deployment that served, TTFT, tokens and cost. Compare runs the same
 * prompt on two or three models at once. Stop aborts every RPC in flight.
 */
export function PlaygroundPage({ client }: PageProps) {
  const [models, setModels] = useState<string[]>([...VIRTUAL_MODELS]);
  const [modelsError, setModelsError] = useState<unknown>(undefined);
  const [params, setParams] = useState<PlaygroundParams>({
    model: "auto",
    strategy: "",
    system: "",
    prompt: "Explain in two sentences what an LLM gateway does.",
    temperature: "0.7",
    maxTokens: "256",
  });
  const [compare, setCompare] = useState(false);
  const [others, setOthers] = useState<string[]>(["", ""]);
  const [runs, setRuns] = useState<ReadonlyArray<{ model: string; run: RunState }>>([]);
  const [formError, setFormError] = useState("");
  const aborts = useRef<AbortController[]>([]);

  useEffect(() => {
    const abort = new AbortController();
    const signal = abort.signal;
    // Routed names first (what callers are meant to use), then the catalogue's provider:model ids.
    Promise.all([getRoutingConfig(client, { signal }), client.models.listModels({}, { signal })])
      .then(([routing, { models: catalogue }]) => {
        const names = [
          ...VIRTUAL_MODELS,
          ...(routing.models ?? []).map((m) => m.name),
          ...catalogue.filter((m) => !m.supportsEmbeddings).map((m) => m.id),
        ];
        setModels([...new Set(names)]);
      })
      .catch((e) => {
        if (!signal.aborted) setModelsError(e);
      });
    return () => {
      abort.abort();
      for (const a of aborts.current) a.abort();
    };
  }, [client]);

  const running = runs.some((r) => r.run.status === "streaming");
  const set = <K extends keyof PlaygroundParams>(field: K, value: PlaygroundParams[K]) =>
    setParams((p) => ({ ...p, [field]: value }));

  function start(event: Event) {
    event.preventDefault();
    const chosen = compare
      ? [params.model, ...others]
          .filter((m, i, all) => m !== "" && all.indexOf(m) === i)
          .slice(0, MAX_COMPARE)
      : [params.model];
    if (compare && chosen.length < 2) return setFormError("Pick at least two different models to compare.");
    const requests = chosen.map((model) => ({ model, parsed: chatRequestOf({ ...params, model }) }));
    const bad = requests.find((r) => !r.parsed.ok);
    if (bad !== undefined && !bad.parsed.ok) return setFormError(bad.parsed.error);
    setFormError("");
    for (const a of aborts.current) a.abort();
    aborts.current = requests.map(() => new AbortController());
    setRuns(requests.map((r) => ({ model: r.model, run: STARTED })));
    requests.forEach((r, i) => {
      if (!r.parsed.ok) return;
      const signal = aborts.current[i]?.signal ?? new AbortController().signal;
      void streamRun(client, r.parsed.chat, signal, (run) =>
        setRuns((all) => all.map((entry, j) => (j === i ? { model: entry.model, run } : entry))),
      );
    });
  }

  function stop() {
    for (const a of aborts.current) a.abort();
  }

  return (
    <div class="page playground-page">
      <Card title="Try a prompt" wide>
        {modelsError !== undefined && <ErrorNotice error={modelsError} what="Listing models" />}
        <form class="playground-form" onSubmit={start}>
          <div class="field-grid">
            <div class="field">
              <label for="pg-model">{compare ? "Model 1" : "Model"}</label>
              <ModelSelect
                id="pg-model"
                value={params.model}
                models={models}
                onChange={(v) => set("model", v)}
              />
            </div>
            {compare &&
              others.map((m, i) => (
                <div class="field" key={i}>
                  <label for={`pg-model-${i + 2}`}>
                    Model {i + 2}
                    {i === 1 ? " (optional)" : ""}
                  </label>
                  <ModelSelect
                    id={`pg-model-${i + 2}`}
                    value={m}
                    models={models}
                    blank={i === 1 ? "none" : "choose…"}
                    onChange={(v) => setOthers((all) => all.map((x, j) => (j === i ? v : x)))}
                  />
                </div>
              ))}
            <div class="field">
              <label for="pg-strategy">Routing strategy</label>
              <select
                id="pg-strategy"
                value={params.strategy}
                onChange={(e) => set("strategy", e.currentTarget.value)}
              >
                <option value="">the model's own</option>
                <StrategyOptions />
              </select>
            </div>
            <div class="field">
              <label for="pg-temperature">Temperature</label>
              <input
                id="pg-temperature"
                type="number"
                min={0}
                max={2}
                step={0.1}
                value={params.temperature}
                placeholder="default"
                onInput={(e) => set("temperature", e.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label for="pg-max-tokens">Max tokens</label>
              <input
                id="pg-max-tokens"
                type="number"
                min={1}
                step={1}
                value={params.maxTokens}
                placeholder="default"
                onInput={(e) => set("maxTokens", e.currentTarget.value)}
              />
            </div>
          </div>
          <div class="field">
            <label for="pg-system">System prompt</label>
            <textarea
              id="pg-system"
              rows={2}
              value={params.system}
              placeholder="Optional instructions for the model"
              onInput={(e) => set("system", e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="pg-prompt">Prompt</label>
            <textarea
              id="pg-prompt"
              rows={4}
              value={params.prompt}
              required
              onInput={(e) => set("prompt", e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) e.currentTarget.form?.requestSubmit();
              }}
            />
          </div>
          {formError !== "" && (
            <div class="notice notice-error" role="alert">
              {formError}
            </div>
          )}
          <div class="actions">
            <label class="check">
              <input
                type="checkbox"
                name="compare"
                checked={compare}
                onChange={(e) => setCompare(e.currentTarget.checked)}
              />
              Compare models side by side
            </label>
            <span class="spacer" />
            <span class="muted small">Ctrl+Enter runs</span>
            <button type="button" class="ghost" onClick={stop} disabled={!running}>
              Stop
            </button>
            <button type="submit" class="primary" disabled={running}>
              {running ? "Streaming…" : compare ? "Run all" : "Run"}
            </button>
          </div>
        </form>
      </Card>
      {runs.length > 0 && (
        <div class={`runs runs-${runs.length}`}>
          {runs.map((r, i) => (
            <RunPanel key={`${i}-${r.model}`} model={r.model} run={r.run} />
          ))}
        </div>
      )}
    </div>
  );
}

function ModelSelect({
  id,
  value,
  models,
  blank,
  onChange,
}: {
  id: string;
  value: string;
  models: readonly string[];
  blank?: string;
  onChange: (value: string) => void;
}) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      {blank !== undefined && <option value="">{blank}</option>}
      {models.map((m) => (
        <option key={m} value={m}>
          {VIRTUAL_MODELS.includes(m as never) ? `${m} (virtual)` : m}
        </option>
      ))}
    </select>
  );
}
