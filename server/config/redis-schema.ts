import { z } from "zod";

/**
 * The `redis` section of the config file. Absent, limits and budgets are
 * embedded (in-process counters, exact for one gateway). Set, every replica
 * pointed at the same Redis shares the same counters and reservations.
 *
 * ```yaml
 * redis: { url: redis://10.0.0.5:6379/0, command_timeout_ms: 1000 }
 * ```
 */
export const redisSchema = z
  .object({
    url: z
      .url({ protocol: /^rediss?$/ })
      .describe("redis://[user:password@]host:port/db (rediss:// for TLS)"),
    command_timeout_ms: z
      .number()
      .int()
      .positive()
      .default(1_000)
      .describe("a command with no reply after this long fails (a hung Redis)"),
    connect_timeout_ms: z
      .number()
      .int()
      .positive()
      .default(2_000)
      .describe("a connection attempt gives up after this long and tries again"),
    lease_ms: z
      .number()
      .int()
      .min(500)
      .max(60_000)
      .default(5_000)
      .describe(
        "a replica renews its lease five times a lease; once it lapses (a replica killed mid-call), another gives back its concurrency slots and budget reservations",
      ),
    prefix: z
      .string()
      .default("llmgw:")
      .describe("put before every key, so several gateway fleets can share one Redis"),
  })
  .strict();

export type RedisConfig = z.infer<typeof redisSchema>;
