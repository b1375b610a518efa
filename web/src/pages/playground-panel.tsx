import { ErrorNotice } from "../components/notice.tsx";
import { formatCount, formatMs, formatUsd } from "../format/numbers.ts";
import { finishText, type RunState } from "./playground-run.ts";

/** One model's answer as it streams, and what the gateway reported at the end. */
export function RunPanel({ model, run }: { model: string; run: RunState }) {
  const g = run.gateway;
  const u = run.usage;
  return (
    <section class="card run" aria-label={`Answer from ${model}`} data-model={model} data-status={run.status}>
      <header class="card-head">
        <h2>
          <code>{model}</code>
        </h2>
        <span class={`pill ${statusTone(run.status)}`} data-testid="run-status">
          {statusText(run)}
        </span>
      </header>
      <div class="answer" data-testid="answer" aria-live="polite" aria-busy={run.status === "streaming"}>
        {run.text}
        {run.status === "streaming" && <span class="caret" aria-hidden="true" />}
      </div>
      {run.status === "failed" && <ErrorNotice error={run.error} what="The answer failed" />}
      <dl class="facts run-facts">
        <Fact label="Deployment" value={g?.deployment || "–"} testid="run-deployment" />
        <Fact
          label="Routing"
          value={
            g?.routingDecision?.strategy
              ? `${g.routingDecision.strategy}${g.routingDecision.complexity ? ` · ${g.routingDecision.complexity}` : ""}${g.fallbackUsed ? " · fallback" : ""}`
              : "–"
          }
        />
        <Fact
          label="TTFT"
          value={g !== undefined ? formatMs(g.ttftMs) : formatMs(run.firstTokenMs)}
          testid="run-ttft"
        />
        <Fact label="Latency" value={formatMs(g?.latencyMs)} />
        <Fact
          label="Tokens"
          value={
            u !== undefined
              ? `${formatCount(u.promptTokens)} in · ${formatCount(u.completionTokens)} out${u.estimated ? " (est.)" : ""}`
              : "–"
          }
          testid="run-tokens"
        />
        <Fact
          label="Cost"
          value={
            g?.cacheHit
              ? `cache hit (${g.cacheKind})`
              : g?.costUsd !== undefined
                ? formatUsd(g.costUsd)
                : g
                  ? "not priced"
                  : "–"
          }
          testid="run-cost"
        />
      </dl>
    </section>
  );
}

function Fact({ label, value, testid }: { label: string; value: string; testid?: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testid}>{value}</dd>
    </>
  );
}

function statusText(run: RunState): string {
  switch (run.status) {
    case "streaming":
      return run.chunks === 0 ? "waiting" : "streaming";
    case "done":
      return finishText(run.finish);
    case "stopped":
      return "stopped";
    case "failed":
      return "failed";
  }
}

function statusTone(status: RunState["status"]): string {
  return status === "done" ? "pill-good" : status === "failed" ? "pill-bad" : "pill-muted";
}
