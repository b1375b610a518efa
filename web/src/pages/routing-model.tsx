import type { Model } from "../../../gen/llmgw/v1/models_pb.js";
import type { RoutedModelJson, RoutingConfigJson, RoutingStrategyName } from "../../../sdk/routing-config.ts";
import {
  deploymentId,
  fallbackChoices,
  moveFallback,
  WEIGHT_MAX,
  WEIGHT_MIN,
  weightShares,
  withContextWindow,
  withFallbacks,
  withModelStrategy,
  withPriority,
  withTags,
  withWeight,
} from "./routing-edit.ts";
import { StrategyOptions } from "./routing-strategy-options.tsx";

interface ModelEditorProps {
  readonly model: RoutedModelJson;
  readonly draft: RoutingConfigJson;
  /** The catalogue's entries by `provider:model`, for context windows and capabilities. */
  readonly catalogue: ReadonlyMap<string, Model>;
  readonly readOnly: boolean;
  readonly onChange: (next: RoutingConfigJson) => void;
}

/** One routed model: its strategy, its deployments with weight sliders and constraints, and its fallback chain. */
export function ModelEditor({ model, draft, catalogue, readOnly, onChange }: ModelEditorProps) {
  const shares = weightShares(model);
  const slug = model.name.replace(/[^A-Za-z0-9_-]/g, "_");
  const choices = fallbackChoices(draft, model.name);
  const effective = model.strategy ?? draft.strategy ?? "weighted";
  return (
    <section class="card routed-model" aria-labelledby={`model-${slug}`} data-model={model.name}>
      <header class="card-head">
        <h2 id={`model-${slug}`}>
          <code>{model.name}</code>
        </h2>
        <div class="inline">
          <label for={`strategy-${slug}`}>Strategy</label>
          <select
            id={`strategy-${slug}`}
            disabled={readOnly}
            value={model.strategy ?? ""}
            onChange={(e) => {
              const v = e.currentTarget.value;
              onChange(
                withModelStrategy(draft, model.name, v === "" ? undefined : (v as RoutingStrategyName)),
              );
            }}
          >
            <option value="">default ({draft.strategy ?? "weighted"})</option>
            <StrategyOptions />
          </select>
        </div>
      </header>
      <div class="table-wrap">
        <table class="table deployments">
          <caption class="sr-only">Deployments of {model.name}</caption>
          <thead>
            <tr>
              <th scope="col">Deployment</th>
              <th scope="col">Weight{effective === "weighted" ? "" : " (weighted only)"}</th>
              <th scope="col" class="num">
                Tier
              </th>
              <th scope="col" class="num">
                Context
              </th>
              <th scope="col">Tags and capabilities</th>
            </tr>
          </thead>
          <tbody>
            {model.deployments.map((d, i) => {
              const id = deploymentId(d);
              const facts = catalogue.get(`${d.provider}:${d.model}`);
              const label = `${model.name} ${id}`;
              return (
                <tr key={id} data-deployment={id}>
                  <th scope="row">
                    <div class="strong">{id}</div>
                    <div class="muted small">
                      {d.provider} · {d.model}
                    </div>
                  </th>
                  <td>
                    <div class="weight">
                      <input
                        type="range"
                        min={WEIGHT_MIN}
                        max={WEIGHT_MAX}
                        step={0.1}
                        value={d.weight ?? 1}
                        disabled={readOnly}
                        aria-label={`Weight of ${label}`}
                        aria-valuetext={`${d.weight ?? 1}, ${Math.round((shares[i] ?? 0) * 100)}% of its tier`}
                        onInput={(e) =>
                          onChange(withWeight(draft, model.name, i, Number(e.currentTarget.value)))
                        }
                      />
                      <output class="num" data-testid="weight-value">
                        {(d.weight ?? 1).toFixed(1)}
                      </output>
                      <span class="share muted small">{Math.round((shares[i] ?? 0) * 100)}%</span>
                    </div>
                  </td>
                  <td class="num">
                    <input
                      type="number"
                      class="narrow"
                      min={0}
                      step={1}
                      value={d.priority ?? 0}
                      disabled={readOnly}
                      aria-label={`Priority tier of ${label}`}
                      onChange={(e) =>
                        onChange(withPriority(draft, model.name, i, Number(e.currentTarget.value)))
                      }
                    />
                  </td>
                  <td class="num">
                    <input
                      type="number"
                      class="medium"
                      min={1}
                      step={1}
                      value={d.context_window ?? ""}
                      placeholder={facts?.contextWindow ? String(facts.contextWindow) : "catalogue"}
                      disabled={readOnly}
                      aria-label={`Context window of ${label}, tokens`}
                      onChange={(e) => {
                        // Blank returns to the catalogue's; any number goes to the gateway, which says if it is wrong.
                        const v = e.currentTarget.value.trim();
                        onChange(withContextWindow(draft, model.name, i, v === "" ? undefined : Number(v)));
                      }}
                    />
                  </td>
                  <td>
                    <input
                      type="text"
                      class="medium"
                      value={(d.tags ?? []).join(", ")}
                      placeholder="local, eu, zdr"
                      disabled={readOnly}
                      aria-label={`Tags of ${label}`}
                      onChange={(e) =>
                        onChange(withTags(draft, model.name, i, e.currentTarget.value.split(",")))
                      }
                    />
                    <Capabilities facts={facts} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <FallbackChain
        slug={slug}
        model={model}
        draft={draft}
        choices={choices}
        readOnly={readOnly}
        onChange={onChange}
      />
    </section>
  );
}

/** What the catalogue says the upstream model can do. */
function Capabilities({ facts }: { facts: Model | undefined }) {
  if (facts === undefined) return null;
  const caps = [
    facts.supportsTools ? "tools" : "",
    facts.supportsJsonMode ? "JSON" : "",
    facts.inputModalities.includes("image") ? "vision" : "",
    facts.pricing ? `$${facts.pricing.inputPerMtok}/$${facts.pricing.outputPerMtok} per Mtok` : "",
  ].filter((c) => c !== "");
  if (caps.length === 0) return null;
  return (
    <div class="caps">
      {caps.map((c) => (
        <span key={c} class="pill pill-muted">
          {c}
        </span>
      ))}
    </div>
  );
}

function FallbackChain({
  model,
  draft,
  choices,
  readOnly,
  onChange,
  slug,
}: {
  slug: string;
  model: RoutedModelJson;
  draft: RoutingConfigJson;
  choices: string[];
  readOnly: boolean;
  onChange: (next: RoutingConfigJson) => void;
}) {
  const chain = model.fallbacks ?? [];
  return (
    <div class="fallbacks">
      <h3>Fallback chain</h3>
      {chain.length === 0 ? (
        <p class="muted small">None: when every deployment fails, the request fails.</p>
      ) : (
        <ol class="chain">
          {chain.map((f, i) => (
            <li key={f}>
              <code>{f}</code>
              {!readOnly && (
                <span class="chain-actions">
                  <button
                    type="button"
                    class="icon"
                    disabled={i === 0}
                    aria-label={`Move ${f} earlier`}
                    onClick={() => onChange(moveFallback(draft, model.name, i, -1))}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    class="icon"
                    disabled={i === chain.length - 1}
                    aria-label={`Move ${f} later`}
                    onClick={() => onChange(moveFallback(draft, model.name, i, 1))}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Remove ${f} from the chain`}
                    onClick={() =>
                      onChange(
                        withFallbacks(
                          draft,
                          model.name,
                          chain.filter((x) => x !== f),
                        ),
                      )
                    }
                  >
                    ✕
                  </button>
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
      {!readOnly && choices.length > 0 && (
        <div class="inline">
          <label for={`add-fallback-${slug}`}>Add a fallback</label>
          <select
            id={`add-fallback-${slug}`}
            value=""
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (v !== "") onChange(withFallbacks(draft, model.name, [...chain, v]));
            }}
          >
            <option value="">choose a model…</option>
            {choices.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
      )}
    </div>
  );
}
