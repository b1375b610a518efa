import { z } from "zod";

/**
 * The `postgres` section of the config file: where the distributed gateway
 * keeps its usage ledger and its stored keys, shared by every replica. When
 * it is absent, both stay in the SQLite file of `usage.path`.
 *
 * ```yaml
 * postgres:
 *   url: postgres://llmgw:secret@db.internal:5432/llmgw
 * ```
 */
export const postgresSchema = z
  .object({
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "a PostgreSQL URL: postgres://user:password@host:5432/database")
      .describe("the database for the usage ledger and stored keys; tables are created when missing"),
  })
  .strict();
