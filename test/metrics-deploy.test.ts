import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { HELLO } from "./harness/openai-client.ts";
import { scrape } from "./harness/scrape.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * The shipped Grafana dashboard and Prometheus alert rules: the dashboard
 * parses, the rules pass `promtool check rules`, and every metric either
 * names exists on a live gateway's /metrics (so a renamed family cannot
 * leave a panel or an alert silently empty).
 */

const DASHBOARD = "deploy/grafana/llmgw-dashboard.json";
const ALERTS = "deploy/prometheus/alerts.yml";

interface Panel {
  type: string;
  title: string;
  id: number;
  targets?: Array<{ expr: string }>;
}

let gw: TestGateway;
let families: Set<string>;
let histograms: Set<string>;

/** The metric families an expression names (a histogram's `_bucket`, `_sum` and `_count` are its family's). */
function named(expr: string, histograms: ReadonlySet<string>): string[] {
  return [...expr.matchAll(/\bllmgw_[a-z0-9_]+/g)].map(([name]) => {
    const base = name.replace(/_(bucket|sum|count)$/, "");
    return histograms.has(base) ? base : name;
  });
}

beforeAll(async () => {
  gw = await startTestGateway({
    config: {
      budgets: { global: [{ usd: 100, period: "day" }] },
      limits: { global: [{ requests: 1000, window: "1m" }] },
    },
  });
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "unused", maxRetries: 0 });
  await client.chat.completions.create({ model: "mock-small", messages: HELLO });
  const text = await scrape(gw);
  families = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map(([, name]) => name as string));
  histograms = new Set([...text.matchAll(/^# TYPE (\S+) histogram$/gm)].map(([, name]) => name as string));
});

afterAll(async () => {
  await gw?.close();
});

describe("deploy/grafana/llmgw-dashboard.json", () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { uid: string; panels: Panel[] };
  const targets = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
  );

  it("parses, with unique panel ids and a query on every graph", () => {
    expect(dashboard.uid).toBe("llmgw-overview");
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels.filter((p) => p.type !== "row"))
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    expect(targets.length).toBeGreaterThan(30);
  });

  it("names only metrics a live gateway serves", () => {
    expect(histograms.has("llmgw_gateway_overhead_seconds")).toBe(true);
    expect(named("rate(llmgw_nope_total[5m])", histograms).every((n) => families.has(n))).toBe(false);
    for (const { panel, expr } of targets)
      for (const name of named(expr, histograms)) expect(families.has(name), `${panel}: ${name}`).toBe(true);
  });
});

describe("deploy/prometheus/alerts.yml", () => {
  it("passes promtool check rules", () => {
    const run = spawnSync("promtool", ["check", "rules", ALERTS], { encoding: "utf8" });
    expect(run.stdout + run.stderr).toContain("SUCCESS");
    expect(run.status).toBe(0);
  });

  it("names only metrics a live gateway serves, and alerts on any dropped record", () => {
    const rules = (
      parse(readFileSync(ALERTS, "utf8")) as {
        groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
      }
    ).groups.flatMap((g) => g.rules);
    for (const rule of rules)
      for (const name of named(rule.expr, histograms))
        expect(families.has(name), `${rule.alert}: ${name}`).toBe(true);
    const dropped = rules.find((r) => r.alert === "LLMGWDroppedRecords");
    expect(dropped?.expr).toBe("increase(llmgw_sink_dropped_records_total[5m]) > 0");
  });
});
