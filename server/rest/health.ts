import type { Gateway } from "../core/gateway.ts";
import type { AnyResponse } from "../http/cors.ts";
import { sendJson } from "./respond.ts";

/** `GET /health`: liveness. No auth, no upstream calls: the process is up and serving. */
export function health(res: AnyResponse): void {
  sendJson(res, 200, '{"status":"ok"}');
}

/**
 * `GET /ready`: readiness. Every provider's upstream must answer its model
 * list within two seconds; 503 names the ones that did not.
 */
export async function ready(gateway: Gateway, res: AnyResponse): Promise<void> {
  const checks = await Promise.all(
    gateway.router.adapters.map(async (adapter) => {
      try {
        await adapter.listModels(AbortSignal.timeout(2_000));
        return { provider: adapter.name, ok: true };
      } catch (error) {
        return { provider: adapter.name, ok: false, error: (error as Error).message };
      }
    }),
  );
  const ok = checks.length > 0 && checks.every((c) => c.ok);
  sendJson(res, ok ? 200 : 503, JSON.stringify({ status: ok ? "ready" : "unavailable", providers: checks }));
}
