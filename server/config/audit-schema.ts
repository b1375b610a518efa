import { z } from "zod";

const mode = z
  .enum(["full", "redact-pii", "metadata-only", "off"])
  .describe("full payloads, payloads with PII and secrets masked, no payloads, or no record at all");

/**
 * The `audit` section of the config file: a record of every exchange,
 * refusals included (docs/audit.md). Off unless `enabled` is set. It is kept
 * in its own SQLite file embedded, or in PostgreSQL when `postgres.url` is set.
 *
 * ```yaml
 * audit:
 *   enabled: true
 *   mode: redact-pii
 *   keys: { ci-bot: metadata-only }
 *   retention_days: 30
 *   max_rows: 1000000
 * ```
 */
export const auditSchema = z
  .object({
    enabled: z.boolean().default(false),
    mode: mode.default("full"),
    keys: z
      .record(z.string().min(1), mode)
      .default({})
      .describe("a mode per key name, in place of `mode` for that key's calls"),
    path: z
      .string()
      .optional()
      .describe("SQLite file of the embedded audit log (default: beside usage.path, named *-audit.db)"),
    retention_days: z
      .number()
      .positive()
      .optional()
      .describe("records older than this are pruned in the background; absent keeps them"),
    max_rows: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("at most this many records are kept, the oldest pruned first; absent sets no cap"),
    flush_interval_ms: z.number().int().positive().default(1_000),
    prune_interval_ms: z
      .number()
      .int()
      .positive()
      .default(300_000)
      .describe("how often retention and the size cap are applied"),
  })
  .strict();

export type AuditConfig = z.infer<typeof auditSchema>;

/** The embedded audit log's file: `audit.path`, else beside the ledger's (`:memory:` stays in memory). */
export function auditPath(audit: AuditConfig, usagePath: string): string {
  if (audit.path !== undefined) return audit.path;
  if (usagePath === ":memory:") return ":memory:";
  return usagePath.endsWith(".db") ? `${usagePath.slice(0, -3)}-audit.db` : `${usagePath}-audit`;
}
