import { useEffect, useState } from "preact/hooks";
import {
  type BenchmarkRun,
  BenchmarkRunState,
  type BenchmarkTask,
  type GetResultsResponse,
} from "../../../gen/llmgw/v1/benchmark_pb.js";
import { benchmarkRunEnded } from "../../../sdk/benchmarks.ts";
import { getRoutingConfig } from "../../../sdk/routing.ts";
import { Card } from "../components/card.tsx";
import { Empty, ErrorNotice } from "../components/notice.tsx";
import { usePoll } from "../data/use-poll.ts";
import { formatTime } from "../format/dates.ts";
import { formatCount } from "../format/numbers.ts";
import type { PageProps } from "../page.ts";
import { CATEGORIES, SummaryTable, TaskTable } from "./benchmarks-results.tsx";
import "./benchmarks.css";

/** A run in progress is read this often; the list of runs less often. */
const RUN_POLL_MS = 700;
const RUNS_POLL_MS = 4000;
const VIRTUAL = ["auto", "fast", "cheap", "quality"];

const STATE: Record<BenchmarkRunState, { label: string; tone: string }> = {
  [BenchmarkRunState.UNSPECIFIED]: { label: "unknown", tone: "muted" },
  [BenchmarkRunState.QUEUED]: { label: "queued", tone: "muted" },
  [BenchmarkRunState.RUNNING]: { label: "running", tone: "warn" },
  [BenchmarkRunState.SUCCEEDED]: { label: "finished", tone: "good" },
  [BenchmarkRunState.FAILED]: { label: "failed", tone: "bad" },
  [BenchmarkRunState.INTERRUPTED]: { label: "interrupted", tone: "bad" },
};

/** Benchmarks: run the suite on chosen models, watch it, compare the results; past runs. */
export function BenchmarksPage({ client, session }: PageProps) {
  const tasks = usePoll((signal) => client.benchmarks.listTasks({}, { signal }).then((r) => r.tasks), 0);
  const models = usePoll(async (signal) => {
    const [routing, catalogue] = await Promise.all([
      getRoutingConfig(client, { signal }),
      client.models.listModels({}, { signal }),
    ]);
    const routed = (routing.models ?? []).map((m) => m.name);
    return [...new Set([...routed, ...catalogue.models.map((m) => m.id), ...VIRTUAL])];
  }, 0);
  const runs = usePoll(
    (signal) => client.benchmarks.listRuns({ pageSize: 20 }, { signal }).then((r) => r.runs),
    RUNS_POLL_MS,
  );
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const shown = selected ?? runs.data?.[0]?.id;
  const results = useRunResults(client, shown);

  return (
    <div class="grid bench-page">
      {session.admin ? (
        <NewRun
          client={client}
          tasks={tasks.data ?? []}
          models={models.data ?? []}
          error={tasks.error ?? models.error}
          onStarted={(run) => {
            setSelected(run.id);
            runs.refresh();
          }}
        />
      ) : (
        <Card title="New run" wide>
          <p class="muted">
            Only admin keys can start a benchmark run. You can read every run's results below.
          </p>
        </Card>
      )}
      <RunResults results={results.data} error={results.error} tasks={tasks.data ?? []} />
      <Card title="Past runs" wide>
        {runs.error === undefined ? null : <ErrorNotice error={runs.error} what="Runs" />}
        {runs.loading ? (
          <p class="muted">Loading…</p>
        ) : (runs.data ?? []).length === 0 ? (
          <Empty>No benchmark has been run yet.</Empty>
        ) : (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Models</th>
                  <th scope="col" class="num">
                    Tasks
                  </th>
                  <th scope="col">State</th>
                  <th scope="col" class="num">
                    Done
                  </th>
                  <th scope="col">By</th>
                  <th scope="col" aria-label="Open" />
                </tr>
              </thead>
              <tbody>
                {(runs.data ?? []).map((r) => (
                  <tr key={r.id} class={r.id === shown ? "selected" : undefined}>
                    <td>
                      {r.createTime === undefined ? "–" : formatTime(Number(r.createTime.seconds) * 1000)}
                    </td>
                    <td class="mono">{r.models.join(", ")}</td>
                    <td class="num">{r.taskIds.length}</td>
                    <td>
                      <StatePill state={r.state} />
                    </td>
                    <td class="num">
                      {formatCount(r.completed)} / {formatCount(r.total)}
                    </td>
                    <td>{r.keyName}</td>
                    <td>
                      <button type="button" class="link" onClick={() => setSelected(r.id)}>
                        View results
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

function StatePill({ state }: { readonly state: BenchmarkRunState }) {
  const s = STATE[state] ?? STATE[BenchmarkRunState.UNSPECIFIED];
  return <span class={`pill pill-${s.tone}`}>{s.label}</span>;
}

/** The chosen run's results, read again while it runs and once more when it ends. */
function useRunResults(client: PageProps["client"], runId: string | undefined) {
  const [state, setState] = useState<{ data: GetResultsResponse | undefined; error: unknown }>({
    data: undefined,
    error: undefined,
  });
  useEffect(() => {
    if (runId === undefined) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState({ data: undefined, error: undefined });
    const tick = async () => {
      try {
        const data = await client.benchmarks.getResults({ runId }, { signal: abort.signal });
        if (abort.signal.aborted) return;
        setState({ data, error: undefined });
        if (data.run !== undefined && benchmarkRunEnded(data.run)) return;
      } catch (error) {
        if (abort.signal.aborted) return;
        setState((prev) => ({ data: prev.data, error }));
      }
      timer = setTimeout(tick, RUN_POLL_MS);
    };
    void tick();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [runId]);
  return state;
}

function NewRun(props: {
  readonly client: PageProps["client"];
  readonly tasks: readonly BenchmarkTask[];
  readonly models: readonly string[];
  readonly error: unknown;
  readonly onStarted: (run: BenchmarkRun) => void;
}) {
  const [models, setModels] = useState<ReadonlySet<string>>(new Set());
  const [skipped, setSkipped] = useState<ReadonlySet<string>>(new Set());
  const [concurrency, setConcurrency] = useState("4");
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const toggle = (set: ReadonlySet<string>, id: string) => {
    const next = new Set(set);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  };
  const chosenTasks = props.tasks.filter((t) => !skipped.has(t.id)).map((t) => t.id);
  const start = async (event: Event) => {
    event.preventDefault();
    setStarting(true);
    setError(undefined);
    try {
      const { run } = await props.client.benchmarks.startRun({
        models: props.models.filter((m) => models.has(m)),
        taskIds: chosenTasks.length === props.tasks.length ? [] : chosenTasks,
        concurrency: Number(concurrency) || 0,
      });
      if (run !== undefined) props.onStarted(run);
    } catch (failure) {
      setError(failure);
    } finally {
      setStarting(false);
    }
  };
  return (
    <Card title="New run" wide>
      {props.error === undefined ? null : <ErrorNotice error={props.error} what="The suite" />}
      <form class="bench-form" onSubmit={start}>
        <fieldset class="bench-fieldset">
          <legend>Models (1 to 8)</legend>
          <div class="bench-choices">
            {props.models.map((m) => (
              <label key={m} class="bench-choice">
                <input
                  type="checkbox"
                  checked={models.has(m)}
                  onChange={() => setModels(toggle(models, m))}
                />
                <span class="mono">{m}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset class="bench-fieldset">
          <legend>
            Tasks ({chosenTasks.length} of {props.tasks.length})
          </legend>
          <div class="bench-categories">
            {CATEGORIES.map((c) => (
              <div key={c.id} class="bench-category">
                <div class="small muted">{c.label}</div>
                {props.tasks
                  .filter((t) => t.category === c.id)
                  .map((t) => (
                    <label key={t.id} class="bench-choice" title={t.prompt}>
                      <input
                        type="checkbox"
                        checked={!skipped.has(t.id)}
                        onChange={() => setSkipped(toggle(skipped, t.id))}
                      />
                      <span>{t.title.replace(/^[^:]+: /, "")}</span>
                    </label>
                  ))}
              </div>
            ))}
          </div>
        </fieldset>
        <div class="toolbar">
          <label class="field">
            <span>Concurrency</span>
            <input
              type="number"
              min={1}
              max={16}
              value={concurrency}
              onInput={(e) => setConcurrency((e.target as HTMLInputElement).value)}
            />
          </label>
          <button
            type="submit"
            class="primary"
            disabled={starting || models.size === 0 || chosenTasks.length === 0}
          >
            {starting ? "Starting…" : "Start run"}
          </button>
          <span class="muted small">
            {models.size} model{models.size === 1 ? "" : "s"} × {chosenTasks.length} tasks ={" "}
            {models.size * chosenTasks.length} requests, sent through the gateway as your key.
          </span>
        </div>
        {error === undefined ? null : <ErrorNotice error={error} what="The run" />}
      </form>
    </Card>
  );
}

function RunResults(props: {
  readonly results: GetResultsResponse | undefined;
  readonly error: unknown;
  readonly tasks: readonly BenchmarkTask[];
}) {
  const run = props.results?.run;
  if (run === undefined)
    return (
      <Card title="Results" wide>
        {props.error === undefined ? null : <ErrorNotice error={props.error} what="Results" />}
        <Empty>Start a run, or open a past one, to see its results.</Empty>
      </Card>
    );
  const share = run.total === 0 ? 0 : run.completed / run.total;
  return (
    <Card title="Results" wide actions={<StatePill state={run.state} />}>
      {props.error === undefined ? null : <ErrorNotice error={props.error} what="Results" />}
      <div class="bench-progress" aria-live="polite">
        <div class="bench-progress-line">
          <span>
            <strong data-bench="completed">{formatCount(run.completed)}</strong> of {formatCount(run.total)}{" "}
            requests done
            {run.failed > 0 ? `, ${run.failed} failed` : ""}
          </span>
          <span class="muted small mono">{run.id}</span>
        </div>
        <div
          class={`bar${run.failed > 0 ? " bar-warn" : ""}`}
          role="progressbar"
          aria-label="Run progress"
          aria-valuemin={0}
          aria-valuemax={run.total}
          aria-valuenow={run.completed}
        >
          <span style={{ width: `${Math.round(share * 100)}%` }} />
        </div>
        {run.error === "" ? null : <p class="small muted">{run.error}</p>}
      </div>
      {(props.results?.models ?? []).length === 0 ? (
        <Empty>No result yet.</Empty>
      ) : (
        <>
          <SummaryTable models={props.results?.models ?? []} />
          <h3 class="bench-subhead">Per task</h3>
          <TaskTable
            models={run.models}
            taskIds={run.taskIds}
            results={props.results?.results ?? []}
            tasks={props.tasks}
          />
        </>
      )}
    </Card>
  );
}
