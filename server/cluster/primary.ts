import cluster, { type Worker } from "node:cluster";
import type { Logger } from "pino";
import { isBrokerRequest, isNoticeMessage, isReadyNotice } from "./broker-protocol.ts";
import { QuotaBroker } from "./quota-broker.ts";

export interface PrimaryOptions {
  /** How many workers to keep running. */
  readonly workers: number;
  /** How long a worker has to drain on SIGTERM before it is killed (its own grace, plus a margin). */
  readonly stopTimeoutMs: number;
  /** Whether the workers share limits and budgets through this process (no Redis configured). */
  readonly broker: boolean;
  readonly log: Logger;
}

/** A worker that dies within this long of starting counts as a crash loop: its replacement waits. */
const QUICK_DEATH_MS = 5_000;
const MAX_RESTART_DELAY_MS = 5_000;

/**
 * The primary of `llmgw serve --workers N`: it serves no request itself. It
 * forks the workers (each a whole gateway on the one port, node:cluster
 * sharing the listening socket), answers their quota operations when there
 * is no Redis (one exact store for the machine), replaces a worker that
 * dies, forwards SIGHUP (reload) to every worker, and on SIGTERM or SIGINT
 * has every worker drain, then exits.
 */
export function runPrimary(options: PrimaryOptions): void {
  const { log } = options;
  const broker = options.broker ? new QuotaBroker() : undefined;
  const started = new Map<number, number>();
  let quickDeaths = 0;
  let stopping = false;
  let announced = false;
  const listening = new Set<number>();

  const fork = () => {
    const worker = cluster.fork();
    started.set(worker.id, Date.now());
    worker.on("message", (message: unknown) => {
      if (broker !== undefined && isBrokerRequest(message)) {
        broker.handle(worker.id, message, (reply) => {
          if (message.id !== 0 && worker.isConnected()) worker.send(reply);
        });
      } else if (isNoticeMessage(message)) {
        for (const other of Object.values(cluster.workers ?? {})) {
          if (other !== undefined && other !== worker && other.isConnected()) other.send(message);
        }
      } else if (isReadyNotice(message)) {
        ready(worker, message.url);
      }
    });
  };

  // The gateway's own listener, as its worker reports it (a worker may listen on other ports too: the demo mock).
  const ready = (worker: Worker, url: string) => {
    log.info({ worker: worker.id, pid: worker.process.pid }, "worker listening");
    listening.add(worker.id);
    if (!announced && listening.size >= options.workers) {
      announced = true;
      log.info({ url, workers: options.workers, pid: process.pid }, "llmgw listening");
    }
  };

  cluster.on("exit", (worker: Worker, code, signal) => {
    broker?.forget(worker.id);
    listening.delete(worker.id);
    const lived = Date.now() - (started.get(worker.id) ?? 0);
    started.delete(worker.id);
    if (stopping) return;
    quickDeaths = lived < QUICK_DEATH_MS ? quickDeaths + 1 : 0;
    const delay = Math.min(MAX_RESTART_DELAY_MS, quickDeaths <= 1 ? 0 : 100 * 2 ** quickDeaths);
    log.error(
      { worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: delay },
      "worker died: starting a new one",
    );
    setTimeout(fork, delay).unref();
  });

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    log.info({ signal, workers: workers.length }, "shutting down: every worker drains");
    const killer = setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGKILL");
    }, options.stopTimeoutMs);
    killer.unref();
    const waiting = workers.map((w) => new Promise<void>((resolve) => w.once("exit", () => resolve())));
    for (const w of workers) w.process.kill("SIGTERM");
    void Promise.all(waiting).then(() => {
      clearTimeout(killer);
      log.info("stopped");
      process.exit(0);
    });
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  process.on("SIGHUP", () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGHUP");
  });

  for (let i = 0; i < options.workers; i++) fork();
}
