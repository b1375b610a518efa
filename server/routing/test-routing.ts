import { configSchema } from "../config/schema.ts";
import type { ProviderAdapter } from "../providers/adapter.ts";
import type { Breaker, BreakerSettings, BreakerState, QueueSettings, SlotQueue } from "./deployment.ts";
import { ModelRouter } from "./model-router.ts";
import { RoutingTable, type RoutingTableOptions } from "./routing-table.ts";

/**
 * For the routing table's and planner's tests: a real config parse, a real
 * catalogue and a real table over adapters that are never called.
 */

/** Three providers: `local` (Ollama, on this box), `cloud` and `other` (hosted, OpenAI's API). */
export const PROVIDERS = [
  {
    name: "local",
    type: "ollama",
    discover: false,
    models: [
      { id: "llama-8b", context_window: 8_192, supports_tools: false, input_modalities: ["text"] },
      { id: "llama-70b", context_window: 131_072, supports_tools: true },
    ],
  },
  { name: "cloud", type: "openai", api_key: "sk-test", discover: false, models: ["gpt-4o", "gpt-4o-mini"] },
  {
    name: "other",
    type: "openai",
    base_url: "http://127.0.0.1:9/v1",
    discover: false,
    models: [{ id: "claude-sonnet-4", supports_json_mode: false }, "mystery"],
  },
];

function adapter(name: string): ProviderAdapter {
  const never = () => Promise.reject(new Error(`${name} is not called in routing tests`));
  return {
    name,
    complete: never,
    stream: never,
    listModels: () => Promise.resolve([]),
    close: () => Promise.resolve(),
  };
}

/** Parses a config with these providers and this routing section, as the config file would be. */
export function parseConfig(routing: unknown, aliases: Record<string, string> = {}) {
  return configSchema.parse({ providers: PROVIDERS, routing, aliases });
}

/** A routing table over the test providers. */
export function testTable(
  routing: unknown,
  options: RoutingTableOptions = {},
  aliases: Record<string, string> = {},
) {
  const config = parseConfig(routing, aliases);
  const router = new ModelRouter(
    config,
    config.providers.map((p) => adapter(p.name)),
  );
  return { config, router, table: new RoutingTable(config, router, options) };
}

/** A queue that only reports a depth, and the settings it was made with. */
export class FakeQueue implements SlotQueue {
  readonly settings: QueueSettings;
  readonly id: string;
  active = 0;
  depth = 0;
  constructor(settings: QueueSettings, id: string) {
    this.settings = settings;
    this.id = id;
  }
  acquire(): () => void {
    return () => {};
  }
}

/** A breaker whose state a test sets. */
export class FakeBreaker implements Breaker {
  readonly settings: BreakerSettings;
  readonly id: string;
  state: BreakerState = "closed";
  constructor(settings: BreakerSettings, id: string) {
    this.settings = settings;
    this.id = id;
  }
  admit(): (failed: boolean) => void {
    return () => {};
  }
}

/** Factories that record what they made. */
export function recordingFactories() {
  const queues: FakeQueue[] = [];
  const breakers: FakeBreaker[] = [];
  return {
    queues,
    breakers,
    options: {
      queue: (settings: QueueSettings, id: string) => {
        const q = new FakeQueue(settings, id);
        queues.push(q);
        return q;
      },
      breaker: (settings: BreakerSettings, id: string) => {
        const b = new FakeBreaker(settings, id);
        breakers.push(b);
        return b;
      },
    } satisfies RoutingTableOptions,
  };
}
