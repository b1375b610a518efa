import { useState } from "preact/hooks";
import { BreakerState, type DeploymentStatus } from "../../../gen/llmgw/v1/routing_pb.js";
import { Card } from "../components/card.tsx";
import { Chart } from "../components/chart.tsx";
import { Empty, ErrorNotice } from "../components/notice.tsx";
import { colorAt } from "../components/palette.ts";
import { appendSample, EMPTY_HISTORY, type SeriesHistory, toAligned } from "../data/series-history.ts";
import { usePoll } from "../data/use-poll.ts";
import { formatCount, formatMs } from "../format/numbers.ts";
import type { PageProps } from "../page.ts";

/** Polled every 2 s; the charts keep the last 5 minutes. */
const POLL_MS = 2000;
const POINTS = 150;

const BREAKER: Record<BreakerState, { label: string; tone: string }> = {
  [BreakerState.UNSPECIFIED]: { label: "off", tone: "muted" },
  [BreakerState.CLOSED]: { label: "closed", tone: "good" },
  [BreakerState.HALF_OPEN]: { label: "half-open", tone: "warn" },
  [BreakerState.OPEN]: { label: "open", tone: "bad" },
};

/** Providers and deployments: live health, breaker, load, and latency/TTFT over time. */
export function ProvidersPage({ client }: PageProps) {
  const [latency, setLatency] = useState<SeriesHistory>(EMPTY_HISTORY);
  const [ttft, setTtft] = useState<SeriesHistory>(EMPTY_HISTORY);
  const polled = usePoll(async (signal) => {
    const { deployments } = await client.routing.listDeployments({}, { signal });
    const at = Date.now() / 1000;
    setLatency((h) =>
      appendSample(
        h,
        at,
        sample(deployments, (d) => d.latencyEwmaMs),
        POINTS,
      ),
    );
    setTtft((h) =>
      appendSample(
        h,
        at,
        sample(deployments, (d) => d.ttftEwmaMs),
        POINTS,
      ),
    );
    return deployments;
  }, POLL_MS);
  const deployments = polled.data ?? [];
  const ids = deployments.map((d) => d.id);
  const series = ids.map((id, i) => ({ label: id, color: colorAt(i) }));

  return (
    <div class="grid">
      {polled.error === undefined ? null : <ErrorNotice error={polled.error} what="Deployments" />}
      <Card title="Deployments" wide>
        {polled.loading ? (
          <p class="muted">Loading…</p>
        ) : deployments.length === 0 ? (
          <Empty>No deployments are configured: add a provider to the gateway's config.</Empty>
        ) : (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Deployment</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Model</th>
                  <th scope="col">Health</th>
                  <th scope="col">Breaker</th>
                  <th scope="col" class="num">
                    In flight
                  </th>
                  <th scope="col" class="num">
                    Queue
                  </th>
                  <th scope="col" class="num">
                    Latency
                  </th>
                  <th scope="col" class="num">
                    TTFT
                  </th>
                  <th scope="col" class="num">
                    Attempts
                  </th>
                  <th scope="col" class="num">
                    Failures
                  </th>
                </tr>
              </thead>
              <tbody>
                {deployments.map((d) => (
                  <DeploymentRow key={d.id} d={d} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <Card title="Latency (moving average)">
        {ids.length === 0 ? (
          <Empty>No figures yet.</Empty>
        ) : (
          <Chart title="Latency per deployment" series={series} data={toAligned(latency, ids)} unit="ms" />
        )}
      </Card>
      <Card title="Time to first token (moving average)">
        {ids.length === 0 ? (
          <Empty>No figures yet.</Empty>
        ) : (
          <Chart
            title="Time to first token per deployment"
            series={series}
            data={toAligned(ttft, ids)}
            unit="ms"
          />
        )}
      </Card>
    </div>
  );
}

function DeploymentRow({ d }: { readonly d: DeploymentStatus }) {
  const breaker = BREAKER[d.breaker] ?? BREAKER[BreakerState.UNSPECIFIED];
  return (
    <tr>
      <th scope="row" class="mono">
        {d.id}
      </th>
      <td>{d.provider}</td>
      <td class="mono">{d.upstreamModel || d.model}</td>
      <td>
        <span class={`pill pill-${d.healthy ? "good" : "bad"}`} title={d.healthReason}>
          {d.healthy ? "healthy" : "unhealthy"}
        </span>
        {d.healthy || d.healthReason === "" ? null : <div class="small muted">{d.healthReason}</div>}
      </td>
      <td>
        <span class={`pill pill-${breaker.tone}`}>{breaker.label}</span>
      </td>
      <td class="num">
        {formatCount(d.inFlight)}
        {d.maxConcurrency === undefined ? "" : ` / ${d.maxConcurrency}`}
      </td>
      <td class="num">
        {formatCount(d.queueDepth)}
        {d.maxQueue > 0 ? ` / ${d.maxQueue}` : ""}
      </td>
      <td class="num">{d.attempts > 0n ? formatMs(d.latencyEwmaMs) : "–"}</td>
      <td class="num">{d.attempts > 0n ? formatMs(d.ttftEwmaMs) : "–"}</td>
      <td class="num">{formatCount(d.attempts)}</td>
      <td class="num">{formatCount(d.failures)}</td>
    </tr>
  );
}

/** One figure per deployment, or a gap before its first attempt (an EWMA of nothing is not 0). */
function sample(deployments: readonly DeploymentStatus[], pick: (d: DeploymentStatus) => number) {
  return new Map(deployments.map((d) => [d.id, d.attempts > 0n ? pick(d) : null] as const));
}
