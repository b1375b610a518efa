import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Budget, BudgetPeriod, BudgetUnit } from "../../../gen/llmgw/v1/budget_pb.js";
import type { LatencyStats } from "../../../gen/llmgw/v1/usage_pb.js";
import { Card, Stat } from "../components/card.tsx";
import { Chart } from "../components/chart.tsx";
import { Empty, ErrorNotice } from "../components/notice.tsx";
import { buckets, summarize } from "../data/live-stats.ts";
import { useLiveUsage } from "../data/use-live-usage.ts";
import { usePoll } from "../data/use-poll.ts";
import { startOfDay, startOfMonth } from "../format/dates.ts";
import { formatCount, formatMs, formatPercent, formatRate, formatUsd } from "../format/numbers.ts";
import type { PageProps } from "../page.ts";

/** The live window: five minutes of events, rates over the last minute, 5-second chart buckets. */
const SPAN_MS = 5 * 60_000;
const RATE_MS = 60_000;
const BUCKET_MS = 5_000;

/** The overview: live traffic from WatchUsage, and periodic stats, spend, cache and health. */
export function OverviewPage({ client, session }: PageProps) {
  const live = useLiveUsage(client, SPAN_MS);
  const now = Date.now();
  const summary = summarize(live.window, now, RATE_MS);
  const series = buckets(live.window, now, BUCKET_MS, SPAN_MS / BUCKET_MS);

  // GetStats is admin-only; other keys get the live figures and a plain note.
  const stats = usePoll(
    async (signal): Promise<{ stats: LatencyStats[]; windowSeconds: number }> =>
      session.admin ? client.usage.getStats({}, { signal }) : { stats: [], windowSeconds: 0 },
    5000,
  );
  const spend = usePoll(async (signal) => {
    const today = new Date();
    const [day, month, budgets] = await Promise.all([
      client.budgets.getSpend({ start: timestampFromMs(startOfDay(today).getTime()) }, { signal }),
      client.budgets.getSpend({ start: timestampFromMs(startOfMonth(today).getTime()) }, { signal }),
      session.admin ? client.budgets.listBudgets({}, { signal }) : client.budgets.getBudget({}, { signal }),
    ]);
    return { day, month, budgets: budgets.budgets };
  }, 5000);
  const cache = usePoll((signal) => client.cache.getCacheStats({}, { signal }), 5000);
  const health = usePoll((signal) => client.routing.listDeployments({}, { signal }), 5000);

  const cacheTotals = (cache.data?.kinds ?? []).reduce(
    (acc, k) => ({ hits: acc.hits + Number(k.hits), misses: acc.misses + Number(k.misses) }),
    { hits: 0, misses: 0 },
  );
  const lookups = cacheTotals.hits + cacheTotals.misses;
  const providers = providerHealth(health.data?.deployments ?? []);

  return (
    <div class="grid">
      <Card title="Live traffic" wide actions={<LiveBadge watching={live.watching} />}>
        <div class="stats">
          <Stat label="Request rate" value={formatRate(summary.ratePerS)} note="last minute" />
          <Stat
            label="Error rate"
            value={formatPercent(summary.errorRate)}
            tone={summary.errorRate !== undefined && summary.errorRate > 0.05 ? "bad" : undefined}
            note={`${formatCount(summary.requests)} requests, last 5 min`}
          />
          <Stat
            label="Latency p50"
            value={formatMs(summary.latencyP50)}
            note={`p99 ${formatMs(summary.latencyP99)}, cache hits included`}
          />
          <Stat
            label="TTFT p50"
            value={formatMs(summary.ttftP50)}
            note={`p99 ${formatMs(summary.ttftP99)} (streams)`}
          />
          <Stat
            label="Cache hit rate"
            value={
              lookups > 0 ? formatPercent(cacheTotals.hits / lookups) : formatPercent(summary.cacheHitRate)
            }
            note={
              lookups > 0
                ? `${formatCount(cacheTotals.hits)} of ${formatCount(lookups)} lookups`
                : "no lookups yet"
            }
          />
        </div>
      </Card>
      <Card title="Requests per second">
        <Chart
          title="Requests and errors per second, last 5 minutes"
          series={[
            { label: "requests/s", color: "#3b6fd8" },
            { label: "errors/s", color: "#d64570" },
          ]}
          data={[series[0] ?? [], series[1] ?? [], series[2] ?? []]}
        />
      </Card>
      <Card title="Latency p50">
        <Chart
          title="Median latency per 5 seconds, last 5 minutes"
          series={[{ label: "p50", color: "#2f9e6e" }]}
          data={[series[0] ?? [], series[3] ?? []]}
          unit="ms"
          points
        />
      </Card>
      <Card title="Spend">
        {spend.error !== undefined ? <ErrorNotice error={spend.error} what="Spend" /> : null}
        <div class="stats">
          <Stat
            label="Today"
            value={formatUsd(spend.data?.day.totalCostUsd)}
            note={`${formatCount(spend.data?.day.totalRequests)} requests`}
          />
          <Stat
            label="This month"
            value={formatUsd(spend.data?.month.totalCostUsd)}
            note={`${formatCount(spend.data?.month.totalTokens)} tokens`}
          />
        </div>
        <BudgetBars budgets={spend.data?.budgets ?? []} loaded={spend.data !== undefined} />
      </Card>
      <Card title="Provider health">
        {health.error !== undefined ? <ErrorNotice error={health.error} what="Deployments" /> : null}
        {providers.length === 0 ? (
          <Empty>No deployments are configured.</Empty>
        ) : (
          <ul class="health-list">
            {providers.map((p) => (
              <li key={p.provider}>
                <span
                  class={`dot dot-${p.healthy === p.total ? "good" : p.healthy === 0 ? "bad" : "warn"}`}
                  aria-hidden="true"
                />
                <span class="health-name">{p.provider}</span>
                <span class="muted num">
                  {p.healthy} of {p.total} healthy
                </span>
              </li>
            ))}
          </ul>
        )}
        <p class="small">
          <a href="#/providers">Deployments, breakers and queues →</a>
        </p>
      </Card>
      <Card title="Latency by model" wide>
        {!session.admin ? (
          <Empty>Per-model percentiles (UsageService.GetStats) need an admin key.</Empty>
        ) : stats.error !== undefined ? (
          <ErrorNotice error={stats.error} what="Stats" />
        ) : (stats.data?.stats.length ?? 0) === 0 ? (
          <Empty>No requests in the stats window yet.</Empty>
        ) : (
          <StatsTable stats={stats.data?.stats ?? []} windowSeconds={stats.data?.windowSeconds ?? 0} />
        )}
      </Card>
    </div>
  );
}

function LiveBadge({ watching }: { readonly watching: boolean }) {
  return watching ? (
    <span class="pill pill-good">live</span>
  ) : (
    <span class="pill pill-warn">connecting…</span>
  );
}

function StatsTable({
  stats,
  windowSeconds,
}: {
  readonly stats: readonly LatencyStats[];
  readonly windowSeconds: number;
}) {
  return (
    <div class="table-wrap">
      <table class="table">
        <caption class="small muted">
          Over the last {Math.round(windowSeconds / 60)} minutes, from the gateway.
        </caption>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Model</th>
            <th scope="col" class="num">
              Requests
            </th>
            <th scope="col" class="num">
              Errors
            </th>
            <th scope="col" class="num">
              p50
            </th>
            <th scope="col" class="num">
              p99
            </th>
            <th scope="col" class="num">
              TTFT p50
            </th>
            <th scope="col" class="num">
              TTFT p99
            </th>
          </tr>
        </thead>
        <tbody>
          {stats.map((s) => (
            <tr key={`${s.provider}/${s.model}`}>
              <th scope="row">{s.provider}</th>
              <td class="mono">{s.model}</td>
              <td class="num">{formatCount(s.requests)}</td>
              <td class="num">{formatCount(s.errors)}</td>
              <td class="num">{formatMs(s.p50Ms)}</td>
              <td class="num">{formatMs(s.p99Ms)}</td>
              <td class="num">{s.ttftP50Ms > 0 ? formatMs(s.ttftP50Ms) : "–"}</td>
              <td class="num">{s.ttftP99Ms > 0 ? formatMs(s.ttftP99Ms) : "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function BudgetBars({ budgets, loaded }: { readonly budgets: readonly Budget[]; readonly loaded: boolean }) {
  const capped = budgets.filter((b) => b.limit > 0).slice(0, 6);
  if (!loaded) return null;
  if (capped.length === 0) return <Empty>No budgets are configured, so spend is not capped.</Empty>;
  return (
    <ul class="budgets">
      {capped.map((b) => {
        const used = b.limit > 0 ? (b.spent + b.reserved) / b.limit : 0;
        const tone = used >= 1 ? "bar-bad" : used >= 0.8 ? "bar-warn" : "";
        const usd = b.unit === BudgetUnit.USD;
        const amount = (v: number) => (usd ? formatUsd(v) : `${formatCount(v)} tokens`);
        return (
          <li key={`${b.scope}/${b.period}/${b.unit}`}>
            <div class="budget-line">
              <span>
                {b.scope} · {b.period === BudgetPeriod.DAY ? "day" : "month"}
              </span>
              <span class="num">
                {amount(b.spent)} of {amount(b.limit)}
              </span>
            </div>
            <div
              class={`bar ${tone}`}
              role="progressbar"
              aria-label={`${b.scope} ${b.period === BudgetPeriod.DAY ? "daily" : "monthly"} budget used`}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(Math.min(used, 1) * 100)}
            >
              {/* Set through the CSSOM (allowed by the CSP's style-src 'self'), not a style attribute. */}
              <span style={{ width: `${Math.min(100, used * 100).toFixed(1)}%` }} />
            </div>
          </li>
        );
      })}
    </ul>
  );
}

function providerHealth(deployments: ReadonlyArray<{ provider: string; healthy: boolean }>) {
  const byProvider = new Map<string, { provider: string; healthy: number; total: number }>();
  for (const d of deployments) {
    const entry = byProvider.get(d.provider) ?? { provider: d.provider, healthy: 0, total: 0 };
    entry.total++;
    if (d.healthy) entry.healthy++;
    byProvider.set(d.provider, entry);
  }
  return [...byProvider.values()];
}
