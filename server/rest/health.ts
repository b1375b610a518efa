import cluster from "node:cluster";
import type { Readiness } from "../core/readiness.ts";
import type { AnyResponse } from "../http/cors.ts";
import { sendJson } from "./respond.ts";

/** The body of /health, fixed for the process; a `--workers` worker adds its pid and id (which one answered). */
const HEALTHY = JSON.stringify(
  cluster.isWorker ? { status: "ok", pid: process.pid, worker: cluster.worker?.id } : { status: "ok" },
);

/** `GET /health`: liveness. No auth, no upstream calls: the process is up and serving. */
export function health(res: AnyResponse): void {
  sendJson(res, 200, HEALTHY);
}

/**
 * `GET /ready`: readiness. Every provider's upstream must answer its model
 * list within two seconds; 503 names the ones that did not. The check is
 * shared and cached for a few seconds (see Readiness).
 */
export async function ready(readiness: Readiness, res: AnyResponse): Promise<void> {
  const report = await readiness.check();
  sendJson(
    res,
    report.ok ? 200 : 503,
    JSON.stringify({ status: report.ok ? "ready" : "unavailable", providers: report.providers }),
  );
}
