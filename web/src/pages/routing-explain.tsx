import { useState } from "preact/hooks";
import {
  type ExplainRouteResponse,
  QualitySource,
  type RouteCandidate,
} from "../../../gen/llmgw/v1/routing_pb.js";
import type { LlmgwClient } from "../../../sdk/client.ts";
import { explainRoute } from "../../../sdk/routing.ts";
import { Card } from "../components/card.tsx";
import { ErrorNotice } from "../components/notice.tsx";
import { StrategyOptions } from "./routing-strategy-options.tsx";

interface ExplainProps {
  readonly client: LlmgwClient;
  /** The routed models and the virtual ones, to pick from. */
  readonly models: readonly string[];
}

/**
 * The explain box: a dry run of ExplainRoute for a typed prompt, showing
 * every candidate with its score, quality and where that came from, whether
 * it is eligible and why. Nothing is sent upstream.
 */
export function RouteExplainer({ client, models }: ExplainProps) {
  const [model, setModel] = useState(models[0] ?? "auto");
  const [strategy, setStrategy] = useState("");
  const [prompt, setPrompt] = useState("Write a binary search in TypeScript and explain its complexity.");
  const [answer, setAnswer] = useState<ExplainRouteResponse | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function run(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const hints = strategy === "" ? {} : { hints: { strategy } };
      setAnswer(await explainRoute(client, model, prompt, hints));
    } catch (e) {
      setError(e);
      setAnswer(undefined);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Explain a route" wide>
      <p class="muted">
        A dry run: how the gateway would route this prompt right now. Nothing is sent upstream.
      </p>
      <form class="explain-form" onSubmit={run}>
        <div class="field">
          <label for="explain-model">Model</label>
          <select id="explain-model" value={model} onChange={(e) => setModel(e.currentTarget.value)}>
            {models.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="explain-strategy">Strategy</label>
          <select id="explain-strategy" value={strategy} onChange={(e) => setStrategy(e.currentTarget.value)}>
            <option value="">the model's own</option>
            <StrategyOptions />
          </select>
        </div>
        <label class="field wide">
          Prompt
          <textarea
            name="explain-prompt"
            rows={3}
            value={prompt}
            onInput={(e) => setPrompt(e.currentTarget.value)}
            required
          />
        </label>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || prompt.trim() === ""}>
            {busy ? "Explaining…" : "Explain"}
          </button>
        </div>
      </form>
      {error !== undefined && <ErrorNotice error={error} what="Explain" />}
      {answer !== undefined && <Explanation answer={answer} />}
    </Card>
  );
}

function Explanation({ answer }: { answer: ExplainRouteResponse }) {
  const d = answer.decision;
  return (
    <div class="explanation" data-testid="explanation">
      <dl class="facts">
        <dt>Would serve</dt>
        <dd class="strong" data-testid="explain-serving">
          {answer.deployment || "no deployment qualifies"}
        </dd>

        <dt>Strategy</dt>
        <dd>{d?.strategy || "–"}</dd>

        {d?.complexity && (
          <>
            <dt>Complexity</dt>
            <dd>{d.complexity}</dd>
          </>
        )}
        {answer.complexitySignals.length > 0 && (
          <>
            <dt>Signals</dt>
            <dd>{answer.complexitySignals.join(", ")}</dd>
          </>
        )}
      </dl>
      <div class="table-wrap">
        <table class="table candidates">
          <caption>Candidates, in the order they would be tried, then the skipped ones</caption>
          <thead>
            <tr>
              <th scope="col">Deployment</th>
              <th scope="col">Upstream</th>
              <th scope="col" class="num">
                Score
              </th>
              <th scope="col" class="num">
                Quality
              </th>
              <th scope="col">Eligible</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {answer.candidates.map((c) => (
              <CandidateRow key={c.deployment} candidate={c} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function CandidateRow({ candidate: c }: { candidate: RouteCandidate }) {
  return (
    <tr class={c.eligible ? "" : "skipped"} data-deployment={c.deployment}>
      <th scope="row">{c.deployment}</th>
      <td>
        {c.provider} · {c.model}
      </td>
      <td class="num" data-testid="candidate-score">
        {c.score === undefined ? (
          "–"
        ) : (
          <span class="score">
            <meter min={0} max={1} value={c.score} aria-hidden="true" />
            {c.score.toFixed(3)}
          </span>
        )}
      </td>
      <td class="num">
        {c.quality === undefined ? "–" : c.quality.toFixed(2)}
        {c.qualitySource !== QualitySource.UNSPECIFIED && (
          <span class="pill pill-muted">{qualitySourceText(c.qualitySource)}</span>
        )}
      </td>
      <td>
        <span class={c.eligible ? "pill pill-good" : "pill pill-warn"}>{c.eligible ? "yes" : "skipped"}</span>
      </td>
      <td>{c.reason || "–"}</td>
    </tr>
  );
}

/** Where a candidate's quality figure came from, in words. */
function qualitySourceText(source: QualitySource): string {
  switch (source) {
    case QualitySource.CONFIG:
      return "config";
    case QualitySource.BENCHMARK:
      return "benchmark";
    case QualitySource.DEFAULT:
      return "default";
    default:
      return "";
  }
}
