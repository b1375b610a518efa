import { z } from "zod";

/**
 * The `routing` section of the config file: deployments, strategies,
 * virtual models, queues, timeouts, retries, breakers and health probes.
 * `UpdateRoutingConfig` validates a runtime change with the same schema.
 */

export const STRATEGIES = ["weighted", "least-busy", "latency", "ttft", "cost"] as const;
export type StrategyName = (typeof STRATEGIES)[number];

const ms = () => z.number().int().positive();

const timeouts = z
  .object({
    total_ms: ms().optional().describe("the whole attempt, first byte to last"),
    ttft_ms: ms().optional().describe("from sending the request to the first token"),
    inter_token_ms: ms().optional().describe("the longest gap between two events of a stream"),
  })
  .strict();

const deployment = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, "use letters, digits and . _ : / @ -")
      .optional()
      .describe("a name for this deployment; defaults to provider:model"),
    provider: z.string().min(1).describe("a provider's name from `providers`"),
    model: z.string().min(1).describe("the model name the upstream knows"),
    weight: z.number().positive().default(1).describe("share of traffic under the weighted strategy"),
    priority: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe("tier: 0 is tried first, higher tiers take overflow and failures"),
    tags: z.array(z.string().min(1)).default([]).describe("e.g. local, eu, zdr; `local` marks a local model"),
    max_concurrency: z.number().int().positive().optional().describe("requests in flight at once"),
    max_queue: z.number().int().min(0).default(0).describe("requests waiting for a slot beyond that"),
    queue_timeout_ms: ms().default(30_000).describe("the longest a request waits in the queue"),
    quality: z.number().min(0).max(1).optional().describe("0 to 1, for the virtual models' scores"),
    context_window: z.number().int().positive().optional().describe("overrides the catalogue's"),
    timeouts: timeouts.prefault({}),
  })
  .strict();

const routedModel = z
  .object({
    name: z.string().min(1).describe("the model name callers use"),
    strategy: z.enum(STRATEGIES).optional().describe("defaults to routing.strategy"),
    deployments: z.array(deployment).min(1),
    fallbacks: z
      .array(z.string().min(1))
      .default([])
      .describe("other routed models to try, in order, when every deployment fails"),
  })
  .strict();

export const routingSchema = z
  .object({
    strategy: z.enum(STRATEGIES).default("weighted"),
    models: z.array(routedModel).default([]),
    retry: z
      .object({
        max_attempts: z.number().int().min(1).max(10).default(3).describe("attempts in all, first included"),
        base_delay_ms: z.number().int().min(0).default(100),
        max_delay_ms: z.number().int().min(0).default(2_000),
        max_retry_after_ms: z
          .number()
          .int()
          .min(0)
          .default(2_000)
          .describe(
            "the longest upstream Retry-After waited for; a longer one moves on to another deployment",
          ),
      })
      .strict()
      .prefault({}),
    timeouts: z
      .object({
        total_ms: ms().default(600_000),
        ttft_ms: ms().default(60_000),
        inter_token_ms: ms().default(30_000),
      })
      .strict()
      .prefault({}),
    breaker: z
      .object({
        enabled: z.boolean().default(true),
        consecutive_failures: z.number().int().min(1).default(5),
        failure_ratio: z.number().gt(0).max(1).default(0.5),
        ratio_window_ms: ms().default(30_000),
        ratio_min_requests: z.number().int().min(1).default(20),
        half_open_after_ms: ms().default(15_000),
      })
      .strict()
      .prefault({}),
    health: z
      .object({
        probe_interval_ms: z.number().int().min(0).default(30_000).describe("0 turns active probes off"),
        probe_timeout_ms: ms().default(5_000),
        unhealthy_after: z.number().int().min(1).default(2).describe("failed probes in a row"),
      })
      .strict()
      .prefault({}),
    virtual: z
      .object({
        enabled: z.boolean().default(true).describe("serve auto, fast, cheap and quality"),
        pool: z
          .array(z.string().min(1))
          .default([])
          .describe("routed models whose deployments they choose from; empty means all"),
        prefer_local_share: z
          .number()
          .min(0)
          .max(1)
          .default(0.7)
          .describe("a local deployment scoring at least this share of the best wins"),
      })
      .strict()
      .prefault({}),
    benchmark_quality: z
      .boolean()
      .default(false)
      .describe(
        "score the virtual models on each model's accuracy in its latest benchmark run, in place of `quality`",
      ),
  })
  .strict()
  .superRefine((routing, ctx) => {
    const names = new Set<string>();
    routing.models.forEach((m, i) => {
      if (names.has(m.name))
        ctx.addIssue({ code: "custom", path: ["models", i, "name"], message: `duplicate model "${m.name}"` });
      names.add(m.name);
      const ids = new Set<string>();
      m.deployments.forEach((d, j) => {
        const id = d.id ?? `${d.provider}:${d.model}`;
        if (ids.has(id))
          ctx.addIssue({
            code: "custom",
            path: ["models", i, "deployments", j],
            message: `duplicate deployment "${id}" in model "${m.name}"; give one an id`,
          });
        ids.add(id);
      });
    });
    routing.models.forEach((m, i) => {
      m.fallbacks.forEach((f, j) => {
        if (!names.has(f))
          ctx.addIssue({
            code: "custom",
            path: ["models", i, "fallbacks", j],
            message: `fallback "${f}" is not a routed model`,
          });
        if (f === m.name)
          ctx.addIssue({
            code: "custom",
            path: ["models", i, "fallbacks", j],
            message: "a model cannot fall back to itself",
          });
      });
    });
    routing.virtual.pool.forEach((p, i) => {
      if (!names.has(p))
        ctx.addIssue({
          code: "custom",
          path: ["virtual", "pool", i],
          message: `"${p}" is not a routed model`,
        });
    });
  });

export type RoutingConfig = z.infer<typeof routingSchema>;
export type RoutedModelConfig = RoutingConfig["models"][number];
export type DeploymentConfig = RoutedModelConfig["deployments"][number];

/**
 * The rule that every deployment names a configured provider, added to `ctx`
 * as issues under `path`. The config file checks its `routing` section
 * against its own `providers` with it, and UpdateRoutingConfig checks an
 * update against the providers in force, so both refuse the same mistake in
 * the same words.
 */
export function checkDeploymentProviders(
  routing: RoutingConfig,
  providers: ReadonlySet<string>,
  ctx: z.RefinementCtx,
  path: readonly PropertyKey[] = [],
): void {
  routing.models.forEach((m, i) => {
    m.deployments.forEach((d, j) => {
      if (!providers.has(d.provider))
        ctx.addIssue({
          code: "custom",
          path: [...path, "models", i, "deployments", j, "provider"],
          message: `no provider is named "${d.provider}"`,
        });
    });
  });
}
