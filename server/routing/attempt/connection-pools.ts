import type { ProviderConfig } from "../../config/schema.ts";
import type { ConnectionPools } from "./run-attempt.ts";
import { createSlotQueue } from "./slot-queue.ts";

/** One bounded wait per provider for its `connections`, from its `max_pending` and `pending_timeout_ms`. */
export function connectionPools(providers: readonly ProviderConfig[]): ConnectionPools {
  return new Map(
    providers.map((p) => [
      p.name,
      createSlotQueue(
        { maxConcurrency: p.connections, maxQueue: p.max_pending, queueTimeoutMs: p.pending_timeout_ms },
        `provider ${p.name}'s connection pool`,
        p.name,
      ),
    ]),
  );
}
