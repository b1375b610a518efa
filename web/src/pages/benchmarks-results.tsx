import {
  BenchmarkCategory,
  type BenchmarkModelSummary,
  type BenchmarkResult,
  type BenchmarkTask,
} from "../../../gen/llmgw/v1/benchmark_pb.js";
import { formatCount, formatMs, formatPercent, formatUsd } from "../format/numbers.ts";

/** The categories in the suite's order, with their column headings. */
export const CATEGORIES: readonly { readonly id: BenchmarkCategory; readonly label: string }[] = [
  { id: BenchmarkCategory.KNOWLEDGE, label: "Knowledge" },
  { id: BenchmarkCategory.CODE, label: "Code" },
  { id: BenchmarkCategory.SUMMARIZATION, label: "Summaries" },
  { id: BenchmarkCategory.REASONING, label: "Reasoning" },
  { id: BenchmarkCategory.INSTRUCTION_FOLLOWING, label: "Instructions" },
];

/** A score as a percentage with a bar, toned by how good it is. */
export function Score({ value }: { readonly value: number | undefined }) {
  if (value === undefined) return <span class="muted">–</span>;
  const tone = value >= 0.75 ? "good" : value >= 0.4 ? "warn" : "bad";
  return (
    <span class="bench-score">
      <span class="bench-score-value">{formatPercent(value)}</span>
      <span class={`bar bench-bar bar-${tone}`} aria-hidden="true">
        <span style={{ width: `${Math.round(value * 100)}%` }} />
      </span>
    </span>
  );
}

/** Per model: accuracy overall and per category, latency, TTFT, tokens, cost, failures; best accuracy first. */
export function SummaryTable({ models }: { readonly models: readonly BenchmarkModelSummary[] }) {
  const best = Math.max(...models.map((m) => m.accuracy));
  return (
    <div class="table-wrap">
      <table class="table bench-summary">
        <caption class="muted small">
          Accuracy is the mean score (0–100%) over the tasks run; failed requests score 0.
        </caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Accuracy</th>
            {CATEGORIES.map((c) => (
              <th scope="col" key={c.id}>
                {c.label}
              </th>
            ))}
            <th scope="col" class="num">
              Latency
            </th>
            <th scope="col" class="num">
              TTFT
            </th>
            <th scope="col" class="num">
              Tokens in / out
            </th>
            <th scope="col" class="num">
              Cost
            </th>
            <th scope="col" class="num">
              Failed
            </th>
          </tr>
        </thead>
        <tbody>
          {models.map((m) => (
            <tr key={m.model}>
              <th scope="row" class="mono">
                {m.model}
                {m.accuracy === best && models.length > 1 ? <span class="badge bench-best">best</span> : null}
              </th>
              <td>
                <Score value={m.accuracy} />
              </td>
              {CATEGORIES.map((c) => (
                <td key={c.id}>
                  <Score value={m.categories.find((s) => s.category === c.id)?.accuracy} />
                </td>
              ))}
              <td class="num">{formatMs(m.meanLatencyMs)}</td>
              <td class="num">{formatMs(m.meanTtftMs)}</td>
              <td class="num">
                {formatCount(m.inputTokens)} / {formatCount(m.outputTokens)}
              </td>
              <td class="num">{formatUsd(m.costUsd)}</td>
              <td class="num">{m.failed > 0 ? <span class="pill pill-bad">{m.failed}</span> : "0"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Per task: each model's score, pass or fail, with the answer (or the error) on hover. */
export function TaskTable(props: {
  readonly models: readonly string[];
  /** The run's tasks, in the suite's order. */
  readonly taskIds: readonly string[];
  readonly results: readonly BenchmarkResult[];
  readonly tasks: readonly BenchmarkTask[];
}) {
  const taskIds = props.taskIds;
  const title = (id: string) => props.tasks.find((t) => t.id === id)?.title ?? id;
  return (
    <div class="table-wrap">
      <table class="table bench-tasks">
        <thead>
          <tr>
            <th scope="col">Task</th>
            {props.models.map((m) => (
              <th scope="col" key={m} class="mono">
                {m}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {taskIds.map((id) => (
            <tr key={id}>
              <th scope="row">
                {title(id)}
                <div class="small muted mono">{id}</div>
              </th>
              {props.models.map((m) => {
                const r = props.results.find((x) => x.taskId === id && x.model === m);
                if (r === undefined)
                  return (
                    <td key={m} class="muted">
                      waiting…
                    </td>
                  );
                return (
                  <td key={m} title={r.error !== "" ? r.error : r.output.slice(0, 400)}>
                    <span class={`pill pill-${r.error !== "" ? "bad" : r.passed ? "good" : "muted"}`}>
                      {r.error !== "" ? "error" : r.passed ? "pass" : "fail"}
                    </span>{" "}
                    {formatPercent(r.score)}
                    <div class="small muted">
                      {formatMs(r.latencyMs)} · {formatUsd(r.costUsd)}
                    </div>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
