import type { Logger } from "pino";
import type { ModelRouter } from "./model-router.ts";

/**
 * Asks each upstream for its model list and records it in the router.
 * A provider that does not answer keeps its last list; discovery never
 * blocks or fails a request.
 */
export async function discoverModels(
  router: ModelRouter,
  log: Logger,
  only: ReadonlySet<string>,
  timeoutMs = 3_000,
): Promise<void> {
  await Promise.all(
    router.adapters
      .filter((a) => only.has(a.name))
      .map(async (adapter) => {
        try {
          const models = await adapter.listModels(AbortSignal.timeout(timeoutMs));
          router.setDiscovered(adapter.name, models);
          log.debug({ provider: adapter.name, models: models.length }, "discovered upstream models");
        } catch (error) {
          log.warn({ provider: adapter.name, err: (error as Error).message }, "model discovery failed");
        }
      }),
  );
}
