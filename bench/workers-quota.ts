/**
 * What a shared limit store costs `--workers N` without Redis: each worker
 * runs admission + settlement (one rate counter, one concurrency slot, one
 * budget hold), CONCURRENCY at a time, against
 *   - broker: the primary's QuotaBroker over the cluster IPC channel (what ships);
 *   - sqlite: one SQLite file in WAL mode, each admission one BEGIN IMMEDIATE
 *     transaction of conditional UPDATEs (the other option the issue names);
 *   - memory: one process's MemoryQuotaStore (the floor: exact, but per process).
 * Prints ops/s, the mean and p99 per admission+settlement, and whether the
 * counters came out exact.  Run: node bench/workers-quota.ts [opsPerWorker]
 */
import cluster from "node:cluster";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { BrokerClient, workerChannel } from "../server/cluster/broker-client.ts";
import { isBrokerRequest } from "../server/cluster/broker-protocol.ts";
import { BrokerQuotaStore } from "../server/cluster/broker-quota-store.ts";
import { QuotaBroker } from "../server/cluster/quota-broker.ts";
import { MemoryQuotaStore } from "../server/state/memory/memory-quota-store.ts";
import type { QuotaStore } from "../server/state/quota-store.ts";

const WORKERS = 2;
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const OPS = Number(process.argv[2] ?? 20_000);
const DB = join(tmpdir(), "llmgw-workers-quota.db");
const LIMIT = 1_000_000_000;
const DAY = "day:2026-12-01";

interface Result {
  ops: number;
  ms: number;
  latencies: number[];
}

const take = [
  { key: "rpm:k", cost: 1, limit: LIMIT, windowMs: 60_000 },
  { key: "conc:k", cost: 1, limit: LIMIT, windowMs: 0 },
];
const hold = [{ scope: "key:k", period: DAY, amount: 10, cap: LIMIT }];

/** Admission + settlement through a QuotaStore, CONCURRENCY at a time. */
async function runStore(store: QuotaStore): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  const lane = async () => {
    while (next++ < OPS) {
      const t = performance.now();
      const now = Date.now();
      const outcome = await store.admit(take, now, hold);
      const windowStart = outcome.taken.states[0]?.windowStart ?? 0;
      await store.settle(
        [
          { key: "conc:k", windowMs: 0, windowStart: 0, delta: -1 },
          { key: "rpm:k", windowMs: 60_000, windowStart, delta: 0 },
        ],
        [{ scope: "key:k", period: DAY, reserved: 10, actual: 1, cap: LIMIT }],
      );
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return { ops: OPS, ms: performance.now() - start, latencies };
}

/** The same through SQLite: conditional updates in one immediate transaction (synchronous, so one at a time). */
function runSqlite(): Result {
  const db = new DatabaseSync(DB);
  db.exec("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  const takeSql = db.prepare("UPDATE counters SET used = used + 1 WHERE key = ? AND used + 1 <= ?");
  const holdSql = db.prepare(
    "UPDATE budgets SET reserved = reserved + ? WHERE scope = ? AND spent + reserved + ? <= ?",
  );
  const giveSql = db.prepare("UPDATE counters SET used = used - 1 WHERE key = 'conc:k'");
  const settleSql = db.prepare(
    "UPDATE budgets SET reserved = reserved - ?, spent = spent + ? WHERE scope = ?",
  );
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < OPS; i++) {
    const t = performance.now();
    db.exec("BEGIN IMMEDIATE");
    takeSql.run("rpm:k", LIMIT);
    takeSql.run("conc:k", LIMIT);
    holdSql.run(10, "key:k", 10, LIMIT);
    db.exec("COMMIT");
    db.exec("BEGIN IMMEDIATE");
    giveSql.run();
    settleSql.run(10, 1, "key:k");
    db.exec("COMMIT");
    latencies.push(performance.now() - t);
  }
  const result = { ops: OPS, ms: performance.now() - start, latencies };
  db.close();
  return result;
}

function summary(name: string, results: Result[], exact: string): string {
  const all = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const ops = results.reduce((n, r) => n + r.ops, 0);
  const wall = Math.max(...results.map((r) => r.ms));
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const p99 = all[Math.floor(all.length * 0.99)] ?? 0;
  return `| ${name} | ${results.length} | ${Math.round((ops / wall) * 1000)} | ${(mean * 1000).toFixed(0)} | ${(p99 * 1000).toFixed(0)} | ${exact} |`;
}

async function primary(): Promise<void> {
  const lines = [
    `${OPS} admissions + settlements per worker, ${CONCURRENCY} in flight per worker (broker, memory), 2 cores shared.`,
    "",
    "| store | processes | admissions/s | mean µs | p99 µs | counters exact |",
    "|---|---|---|---|---|---|",
  ];
  const memory = new MemoryQuotaStore();
  const m = await runStore(memory);
  lines.push(summary("memory (one process: the floor)", [m], "yes (one process only)"));

  for (const mode of ["broker", "sqlite"] as const) {
    if (mode === "sqlite") {
      rmSync(DB, { force: true });
      const db = new DatabaseSync(DB);
      db.exec(
        "PRAGMA journal_mode = WAL; CREATE TABLE counters (key TEXT PRIMARY KEY, used INTEGER); CREATE TABLE budgets (scope TEXT PRIMARY KEY, spent INTEGER, reserved INTEGER);" +
          "INSERT INTO counters VALUES ('rpm:k', 0), ('conc:k', 0); INSERT INTO budgets VALUES ('key:k', 0, 0);",
      );
      db.close();
    }
    const broker = mode === "broker" ? new QuotaBroker() : undefined;
    const results: Result[] = [];
    await new Promise<void>((resolve) => {
      for (let i = 0; i < WORKERS; i++) {
        const worker = cluster.fork({ BENCH_MODE: mode });
        worker.on("message", (message: unknown) => {
          if (broker !== undefined && isBrokerRequest(message)) {
            broker.handle(worker.id, message, (reply) => worker.send(reply));
          } else if ((message as { result?: Result }).result) {
            results.push((message as { result: Result }).result);
            worker.kill();
            if (results.length === WORKERS) resolve();
          }
        });
      }
    });
    let exact = "";
    if (broker !== undefined) {
      const probe = broker;
      const got = await new Promise<unknown>((resolve) =>
        probe.handle(
          0,
          { llmgw: "quota", id: 1, op: "get", args: [{ scope: "key:k", period: DAY }, LIMIT] },
          (r) => resolve(r.value),
        ),
      );
      const s = got as { spent: number; reserved: number };
      exact = s.spent === WORKERS * OPS && s.reserved === 0 ? "yes" : `NO: ${JSON.stringify(s)}`;
    } else {
      const db = new DatabaseSync(DB);
      const row = db.prepare("SELECT spent, reserved FROM budgets").get() as {
        spent: number;
        reserved: number;
      };
      const conc = db.prepare("SELECT used FROM counters WHERE key = 'conc:k'").get() as { used: number };
      db.close();
      exact =
        row.spent === WORKERS * OPS && row.reserved === 0 && conc.used === 0
          ? "yes"
          : `NO: ${JSON.stringify(row)}`;
    }
    lines.push(
      summary(
        mode === "broker" ? "broker over cluster IPC (shipped)" : "SQLite WAL, BEGIN IMMEDIATE",
        results,
        exact,
      ),
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  process.exit(0);
}

async function worker(): Promise<void> {
  const result =
    process.env.BENCH_MODE === "broker"
      ? await runStore(new BrokerQuotaStore(new BrokerClient(workerChannel())))
      : runSqlite();
  // Latencies are sent whole: 2 × OPS numbers is small next to what is measured.
  process.send?.({ result });
}

if (cluster.isPrimary) await primary();
else await worker();
