import { z } from "zod";

/**
 * The `metrics` section of the config file: what `/metrics` reports beyond
 * its defaults.
 *
 * ```yaml
 * metrics:
 *   per_key: true   # label requests, tokens and cost with the key's name
 * ```
 */
export const metricsSchema = z
  .object({
    per_key: z
      .boolean()
      .default(false)
      .describe(
        "label requests, tokens, cost, retries and fallbacks with the key's name (one series per key: leave off with many keys)",
      ),
  })
  .strict();

export type MetricsConfig = z.infer<typeof metricsSchema>;
