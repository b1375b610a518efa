/**
 * Soak: N minutes (BENCH_SOAK_MINUTES, default 10) at BENCH_SOAK_RATE req/s (default 500), 80 % unary and
 * 20 % streams, through the full pipeline (a key, a rate limit and a concurrency limit, a daily budget,
 * the SQLite ledger, the audit log in metadata-only mode, /metrics scraped every 10 s). The mock and the
 * gateway are separate processes; this one is the load generator. The gateway runs with `npm start`'s
 * heap flags (see NODE_FLAGS).
 *
 * It samples the gateway's RSS every 10 s and judges three things:
 *   - RSS flat: the largest sample from minute 2 on (minute N/2 on for runs under 4 minutes) within
 *     10 % of the smallest;
 *   - 0 unexplained errors (every answer a 200, every stream ended by `[DONE]`);
 *   - the ledger's row count (read from its file after a graceful stop) equal to the answers received.
 * Writes bench/results/<date>-soak.md, the raw samples as -soak.csv and the RSS plot as -soak.svg, and
 * prints the verdict. Run: node_modules/.bin/node bench/soak.ts
 */

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";
import { freePort, ROOT, spawnNode, startNodeFlags, stop, stopAll, waitForHttp } from "./children.ts";
import { API_KEY, CHAT_BODY, STREAM_BODY } from "./load.ts";
import { cpuMicros, machineInfo, statusMB } from "./proc-stats.ts";

const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 10);
const RATE = Number(process.env.BENCH_SOAK_RATE ?? 500);
const STREAM_SHARE = 0.2;
const SAMPLE_MS = 10_000;
/**
 * The gateway's Node flags: by default the heap sizing `npm start` runs it with (package.json's start
 * script), so that the soak measures the gateway as it is started; BENCH_SOAK_NODE_FLAGS (space-separated)
 * replaces them, and `none` runs it on V8's own sizing.
 */
const NODE_FLAGS = soakNodeFlags(process.env.BENCH_SOAK_NODE_FLAGS);
const HEADERS = { "content-type": "application/json", authorization: `Bearer ${API_KEY}` };

interface Sample {
  readonly seconds: number;
  readonly rssMB: number;
  /** V8's used heap and the memory outside it (Buffers, ArrayBuffers), from the scrape: is a growth JS or native? */
  readonly heapMB: number;
  readonly externalMB: number;
  /**
   * Where the RSS is: anonymous memory (heaps, malloc, stacks) against file-backed (the node binary), and
   * of the anonymous part what V8 has committed for the main thread's heap, its young generation apart.
   * What is anonymous but not the main heap or external is malloc's arenas and the worker threads' heaps.
   */
  readonly anonMB: number;
  readonly committedMB: number;
  readonly newSpaceMB: number;
  readonly sent: number;
  readonly answered: number;
  readonly errors: number;
  readonly gatewayCpuPct: number;
}

function config(dir: string, port: number, mockUrl: string): string {
  const file = join(dir, "soak.yaml");
  writeFileSync(
    file,
    JSON.stringify({
      server: { port, shutdown_grace_ms: 5_000 },
      providers: [
        {
          name: "mock",
          base_url: `${mockUrl}/v1`,
          models: [{ id: "mock-small", pricing: { input: 0.15, output: 0.6 } }],
        },
      ],
      keys: [{ name: "bench", key: API_KEY }],
      limits: {
        per_key: [{ requests: 100_000_000, tokens: 100_000_000_000, window: "1m" }, { concurrent: 10_000 }],
      },
      budgets: { per_key: [{ usd: 1_000_000_000, period: "day" }] },
      usage: { path: join(dir, "ledger.db") },
      audit: { mode: "metadata-only" },
      log: { level: "warn" },
    }),
  );
  return file;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "llmgw-soak-"));
  const [mockPort, port] = [await freePort(), await freePort()];
  const mock = spawnNode("mock", ["mock/main.ts", "--port", String(mockPort), "--tokens", "16"], []);
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  await waitForHttp(`${mockUrl}/v1/models`, mock);
  const gateway = spawnNode(
    "gateway",
    ["server/cli.ts", "serve", "--config", config(dir, port, mockUrl)],
    NODE_FLAGS,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, gateway);
  const pool = new Pool(url, { connections: 256, keepAliveTimeout: 120_000 });

  let sent = 0;
  let answered = 0;
  const errors = new Map<string, number>();
  const fail = (what: string): void => {
    errors.set(what, (errors.get(what) ?? 0) + 1);
  };
  const inFlight = new Set<Promise<void>>();
  const fire = (stream: boolean) => {
    sent++;
    const done = pool
      .request({
        path: "/v1/chat/completions",
        method: "POST",
        headers: HEADERS,
        body: stream ? STREAM_BODY : CHAT_BODY,
      })
      .then(async (res) => {
        const text = await res.body.text();
        if (res.statusCode !== 200) fail(errorName(res.statusCode, text));
        else if (stream && !text.trimEnd().endsWith("data: [DONE]")) fail("stream ended without [DONE]");
        else answered++;
      })
      .catch((error: Error) => fail(error.message))
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };

  const samples: Sample[] = [];
  const start = performance.now();
  let lastCpu = cpuMicros(gateway.pid);
  let lastAt = start;
  const sample = async () => {
    // Metrics are part of the run; the scrape also gives the gateway's heap, to tell JS from native growth.
    const scrape = await (await pool.request({ path: "/metrics", method: "GET" })).body.text();
    const now = performance.now();
    const cpu = cpuMicros(gateway.pid);
    const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
    samples.push({
      seconds: Math.round((now - start) / 1000),
      rssMB: Math.round(statusMB(gateway.pid, "VmRSS") * 10) / 10,
      heapMB: gaugeMB(scrape, "llmgw_nodejs_heap_size_used_bytes"),
      externalMB: gaugeMB(scrape, "llmgw_nodejs_external_memory_bytes"),
      anonMB: Math.round(statusMB(gateway.pid, "RssAnon") * 10) / 10,
      committedMB: gaugeMB(scrape, "llmgw_nodejs_heap_size_total_bytes"),
      newSpaceMB: gaugeMB(scrape, 'llmgw_nodejs_heap_space_size_total_bytes{space="new"}'),
      sent,
      answered,
      errors: errorCount,
      gatewayCpuPct: Math.round(((cpu - lastCpu) / ((now - lastAt) * 1000)) * 100),
    });
    lastCpu = cpu;
    lastAt = now;
    const s = samples[samples.length - 1] as Sample;
    console.error(
      `${s.seconds}s rss ${s.rssMB} MB (anon ${s.anonMB}; heap ${s.heapMB} of ${s.committedMB} committed, new space ${s.newSpaceMB}; external ${s.externalMB}), sent ${s.sent}, answered ${s.answered}, errors ${s.errors} ` +
        `${errorCount === 0 ? "" : JSON.stringify(Object.fromEntries(errors))}, gateway cpu ${s.gatewayCpuPct}%`,
    );
  };
  await sample();
  const total = Math.round(RATE * MINUTES * 60);
  let nextSample = start + SAMPLE_MS;
  let streams = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * RATE) / 1000) + 1);
    while (sent < due) {
      // Every fifth call a stream: exactly 20 %, spread evenly.
      const stream = (sent + 1) * STREAM_SHARE >= streams + 1;
      if (stream) streams++;
      fire(stream);
    }
    if (performance.now() >= nextSample) {
      nextSample += SAMPLE_MS;
      void sample();
    }
    await sleep(1);
  }
  await Promise.all(inFlight);
  await sample();
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  // A graceful stop flushes the ledger; then its file says how many rows it holds.
  await stop(gateway, 15_000);
  const ledger = new DatabaseSync(join(dir, "ledger.db"), { readOnly: true });
  const rows = Number((ledger.prepare("SELECT count(*) AS n FROM usage").get() as { n: number }).n);
  ledger.close();
  await stopAll();

  const fromS = MINUTES >= 4 ? 120 : (MINUTES * 60) / 2;
  const window = samples.filter((s) => s.seconds >= fromS);
  const rss = window.map((s) => s.rssMB);
  const low = Math.min(...rss);
  const high = Math.max(...rss);
  const growthPct = ((high - low) / low) * 100;
  // Which way it moved: a leak climbs; a heap the GC handed back drops.
  const trendPct = ((rss[rss.length - 1] as number) / (rss[0] as number) - 1) * 100;
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
  // Shed by the overload guard: explained (the machine was too busy), and answered before the pipeline,
  // so no ledger row. Every other error is unexplained, and was accounted (a ledger row) if it got that far.
  const shed = errors.get(SHED) ?? 0;
  const unexplained = errorCount - shed;
  const checks = {
    rssFlat: growthPct <= 10,
    noErrors: unexplained === 0,
    ledgerMatches: rows === answered + unexplained,
  };
  const pass = checks.rssFlat && checks.noErrors && checks.ledgerMatches;
  const verdict =
    `${pass ? "PASS" : "FAIL"}: RSS from ${fromS / 60} min on ${low}–${high} MB (${growthPct.toFixed(1)} %, limit 10 %; last against first ${trendPct >= 0 ? "+" : ""}${trendPct.toFixed(1)} %); ` +
    `${unexplained} unexplained errors of ${sent} calls (${shed} shed by the overload guard); ` +
    `ledger ${rows} rows for ${answered} answers + ${unexplained} unexplained errors; ` +
    `${(sent / seconds).toFixed(0)} req/s achieved over ${seconds.toFixed(0)} s`;

  const date = new Date().toISOString().slice(0, 10);
  const results = join(ROOT, "bench", "results");
  mkdirSync(results, { recursive: true });
  const base = join(results, `${date}-soak`);
  writeFileSync(
    `${base}.csv`,
    `seconds,rss_mb,anon_mb,heap_mb,committed_mb,new_space_mb,external_mb,sent,answered,errors,gateway_cpu_pct\n${samples.map((s) => `${s.seconds},${s.rssMB},${s.anonMB},${s.heapMB},${s.committedMB},${s.newSpaceMB},${s.externalMB},${s.sent},${s.answered},${s.errors},${s.gatewayCpuPct}`).join("\n")}\n`,
  );
  writeFileSync(`${base}.svg`, rssPlot(samples, fromS));
  const info = machineInfo();
  writeFileSync(
    `${base}.md`,
    [
      `# Soak: ${MINUTES} min at ${RATE} req/s (${date})`,
      "",
      `Run: \`BENCH_SOAK_MINUTES=${MINUTES} node_modules/.bin/node bench/soak.ts\` on ${info.nproc} cores (${info.cpuModel}), ` +
        `Node ${info.node}, load average at the end ${info.loadAverage}. The machine was shared with other sessions, so CPU figures are noisy.`,
      "",
      "Full pipeline: a key, a per-key rate limit and concurrency limit, a daily budget, the SQLite ledger, the audit log (metadata-only), /metrics scraped every 10 s. 80 % unary, 20 % streams (16 tokens each) from the mock in its own process; this process generates the load.",
      NODE_FLAGS.length === 0
        ? "Gateway V8 flags: none (V8's own heap sizing)."
        : `Gateway V8 flags: \`${NODE_FLAGS.join(" ")}\`${process.env.BENCH_SOAK_NODE_FLAGS === undefined ? " (npm start's)" : ""}.`,
      "",
      `**${verdict}**`,
      "",
      `Errors: ${errorCount === 0 ? "none" : JSON.stringify(Object.fromEntries(errors))}.`,
      "",
      `RSS every 10 s: [${date}-soak.csv](${date}-soak.csv), plotted in [${date}-soak.svg](${date}-soak.svg).`,
      "",
      "| s | RSS MB | anonymous MB | JS heap used MB | heap committed MB | new space MB | external MB | sent | answered | errors | gateway CPU % |",
      "| -: | -: | -: | -: | -: | -: | -: | -: | -: | -: | -: |",
      ...samples.map(
        (s) =>
          `| ${s.seconds} | ${s.rssMB} | ${s.anonMB} | ${s.heapMB} | ${s.committedMB} | ${s.newSpaceMB} | ${s.externalMB} | ${s.sent} | ${s.answered} | ${s.errors} | ${s.gatewayCpuPct} |`,
      ),
      "",
    ].join("\n"),
  );
  console.log(verdict);
  console.log(`results: ${base}.md`);
  process.exitCode = pass ? 0 : 1;
}

const SHED = "HTTP 503: shed by the overload guard";

/** What a non-200 answer was, by its status and the gateway's error message. */
function errorName(status: number, body: string): string {
  let message = "";
  try {
    message = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? "";
  } catch {
    // not JSON
  }
  if (status === 503 && message.includes("overloaded")) return SHED;
  return `HTTP ${status}: ${message.slice(0, 80)}`;
}

function soakNodeFlags(setting: string | undefined): string[] {
  if (setting === "none") return [];
  if (setting !== undefined) return setting.split(" ").filter((f) => f !== "");
  return startNodeFlags();
}

/** A gauge's value in MB from a Prometheus scrape (NaN when absent). */
function gaugeMB(scrape: string, name: string): number {
  const line = scrape.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Math.round((Number(line.split(" ")[1]) / 1e6) * 10) / 10;
}

/** The RSS samples as a small SVG line chart, the judged window shaded. */
function rssPlot(samples: readonly Sample[], fromS: number): string {
  const W = 640;
  const H = 240;
  const pad = 40;
  const maxS = Math.max(1, ...samples.map((s) => s.seconds));
  const maxMB = Math.max(1, ...samples.map((s) => s.rssMB)) * 1.1;
  const x = (s: number) => pad + ((W - 2 * pad) * s) / maxS;
  const y = (mb: number) => H - pad - ((H - 2 * pad) * mb) / maxMB;
  const points = samples.map((s) => `${x(s.seconds).toFixed(1)},${y(s.rssMB).toFixed(1)}`).join(" ");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<rect x="${x(fromS)}" y="${pad}" width="${x(maxS) - x(fromS)}" height="${H - 2 * pad}" fill="#eef"/>
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#000"/>
<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#000"/>
<text x="${W / 2}" y="${H - 8}" text-anchor="middle">seconds (0–${maxS})</text>
<text x="4" y="${pad - 8}">RSS MB (0–${maxMB.toFixed(0)})</text>
<polyline fill="none" stroke="#c00" stroke-width="2" points="${points}"/>
</svg>
`;
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
