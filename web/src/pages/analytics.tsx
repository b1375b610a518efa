import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { useState } from "preact/hooks";
import { Card, Stat } from "../components/card.tsx";
import { Chart, stackColumns } from "../components/chart.tsx";
import { Empty, ErrorNotice } from "../components/notice.tsx";
import { colorAt } from "../components/palette.ts";
import { type GroupBy, lastDays, perDay, totalsBy } from "../data/usage-rollup.ts";
import { usePoll } from "../data/use-poll.ts";
import { download, toCsv } from "../format/csv.ts";
import { daySeconds } from "../format/dates.ts";
import { formatCount, formatMs, formatUsd } from "../format/numbers.ts";
import type { PageProps } from "../page.ts";

const RANGES = [
  { days: 1, label: "Today" },
  { days: 7, label: "Last 7 days" },
  { days: 30, label: "Last 30 days" },
  { days: 90, label: "Last 90 days" },
] as const;
const GROUPS: ReadonlyArray<{ by: GroupBy; label: string }> = [
  { by: "model", label: "Model" },
  { by: "provider", label: "Provider" },
  { by: "key", label: "Key" },
];
/** Groups charted by name; the rest are summed as "other". */
const CHARTED = 5;

/** Usage and cost per day from the ledger (UsageService.GetUsage), by key, provider or model. */
export function AnalyticsPage({ client, session }: PageProps) {
  const [days, setDays] = useState(7);
  const [by, setBy] = useState<GroupBy>("model");
  const [filter, setFilter] = useState("");
  const usage = usePoll(
    async (signal) => {
      const start = new Date();
      start.setUTCHours(0, 0, 0, 0);
      start.setUTCDate(start.getUTCDate() - (days - 1));
      return (await client.usage.getUsage({ start: timestampFromMs(start.getTime()) }, { signal })).rows;
    },
    15_000,
    [days],
  );
  const needle = filter.trim().toLowerCase();
  const rows = (usage.data ?? []).filter(
    (r) => needle === "" || [r.key, r.provider, r.model].some((v) => v.toLowerCase().includes(needle)),
  );
  const totals = totalsBy(rows, by);
  const charted = totals.slice(0, CHARTED).map((t) => t.group);
  const range = lastDays(new Date(), days);
  const cost = perDay(rows, by, charted, "cost", range);
  const tokens = perDay(rows, by, charted, "tokens", range);
  const x = cost.days.map(daySeconds);
  // Stacked: the columns run largest sum first (stackColumns), each sum's top segment the last
  // group in it, so the labels run in reverse too.
  const series = cost.names
    .map((name, i) => ({ label: name, color: name === "other" ? "#9aa3b5" : colorAt(i) }))
    .reverse();
  const sum = totals.reduce(
    (acc, t) => ({
      requests: acc.requests + t.requests,
      errors: acc.errors + t.errors,
      tokens: acc.tokens + t.promptTokens + t.completionTokens,
      cost: acc.cost + t.costUsd,
    }),
    { requests: 0, errors: 0, tokens: 0, cost: 0 },
  );

  const exportCsv = () =>
    download(
      `llmgw-usage-${new Date().toISOString().slice(0, 10)}.csv`,
      toCsv(
        [
          "day",
          "key",
          "team",
          "provider",
          "model",
          "requests",
          "errors",
          "prompt_tokens",
          "completion_tokens",
          "cost_usd",
          "avg_latency_ms",
        ],
        rows.map((r) => [
          r.day,
          r.key,
          r.team,
          r.provider,
          r.model,
          r.requests,
          r.errors,
          r.promptTokens,
          r.completionTokens,
          r.costUsd,
          Math.round(r.avgLatencyMs * 10) / 10,
        ]),
      ),
    );

  return (
    <div class="grid">
      <form
        class="toolbar card card-wide"
        onSubmit={(e) => e.preventDefault()}
        aria-label="Analytics filters"
      >
        <div class="field">
          <label for="an-range">Range</label>
          <select
            id="an-range"
            value={days}
            onChange={(e) => setDays(Number((e.target as HTMLSelectElement).value))}
          >
            {RANGES.map((r) => (
              <option key={r.days} value={r.days}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="an-by">Group by</label>
          <select
            id="an-by"
            value={by}
            onChange={(e) => setBy((e.target as HTMLSelectElement).value as GroupBy)}
          >
            {GROUPS.map((g) => (
              <option key={g.by} value={g.by}>
                {g.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field grow">
          <label for="an-filter">Filter</label>
          <input
            id="an-filter"
            type="search"
            placeholder="key, provider or model"
            value={filter}
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          />
        </div>
        <button type="button" onClick={exportCsv} disabled={rows.length === 0}>
          Export CSV
        </button>
      </form>
      {usage.error !== undefined ? <ErrorNotice error={usage.error} what="Usage" /> : null}
      <Card title="Totals" wide>
        <div class="stats">
          <Stat label="Cost" value={formatUsd(sum.cost)} />
          <Stat
            label="Requests"
            value={formatCount(sum.requests)}
            note={`${formatCount(sum.errors)} errors`}
          />
          <Stat label="Tokens" value={formatCount(sum.tokens)} note="prompt + completion" />
          <Stat
            label={`${GROUPS.find((g) => g.by === by)?.label ?? ""}s`}
            value={formatCount(totals.length)}
          />
        </div>
        {session.admin ? null : <p class="small muted">A non-admin key sees its own usage only.</p>}
      </Card>
      <Card title="Cost per day">
        {x.length === 0 ? (
          <Empty>No usage in this range.</Empty>
        ) : (
          <Chart
            title={`Cost per day by ${by}`}
            series={series}
            data={[x, ...stackColumns(cost.columns)]}
            unit="$"
            bars
          />
        )}
      </Card>
      <Card title="Tokens per day">
        {x.length === 0 ? (
          <Empty>No usage in this range.</Empty>
        ) : (
          <Chart
            title={`Tokens per day by ${by}`}
            series={series}
            data={[x, ...stackColumns(tokens.columns)]}
            bars
          />
        )}
      </Card>
      <Card title={`By ${by}`} wide>
        {usage.loading ? (
          <p class="muted">Loading…</p>
        ) : totals.length === 0 ? (
          <Empty>No requests were recorded in this range.</Empty>
        ) : (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">{GROUPS.find((g) => g.by === by)?.label}</th>
                  <th scope="col" class="num">
                    Requests
                  </th>
                  <th scope="col" class="num">
                    Errors
                  </th>
                  <th scope="col" class="num">
                    Prompt tokens
                  </th>
                  <th scope="col" class="num">
                    Completion tokens
                  </th>
                  <th scope="col" class="num">
                    Avg latency
                  </th>
                  <th scope="col" class="num">
                    Cost
                  </th>
                </tr>
              </thead>
              <tbody>
                {totals.map((t) => (
                  <tr key={t.group}>
                    <th scope="row" class="mono">
                      {t.group}
                    </th>
                    <td class="num">{formatCount(t.requests)}</td>
                    <td class="num">{formatCount(t.errors)}</td>
                    <td class="num">{formatCount(t.promptTokens)}</td>
                    <td class="num">{formatCount(t.completionTokens)}</td>
                    <td class="num">{formatMs(t.avgLatencyMs)}</td>
                    <td class="num">{formatUsd(t.costUsd)}</td>
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
