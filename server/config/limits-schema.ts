import { z } from "zod";

/**
 * The `limits` section of the config file: rate limits per key, per team,
 * per model and global. Each list holds rules; every number a rule sets is
 * one counter, and a call must fit every counter that applies to it.
 *
 * ```yaml
 * limits:
 *   global: [{ requests: 1000, window: 15m }]
 *   per_key: [{ requests: 60, tokens: 100000, window: 1m }, { concurrent: 10 }]
 *   keys: { batch: [{ requests: 10000, window: 1d }] }   # replaces per_key for that key
 *   teams: { research: [{ tokens: 1000000, window: 1h }] }
 *   models: { gpt-4o: [{ requests: 500, window: 1m }] }
 * ```
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const WINDOW = /^([1-9][0-9]*)(ms|s|m|h|d)$/;

/** A window as the file spells it ("15m", "1d", or milliseconds), in ms. */
const windowMs = z
  .union([
    z.number().int().positive(),
    z.string().regex(WINDOW, 'a window is a number of ms or a duration such as "1s", "15m", "1h", "1d"'),
  ])
  .transform((value) => {
    if (typeof value === "number") return value;
    const [, count, unit] = WINDOW.exec(value) as RegExpExecArray;
    return Number(count) * UNIT_MS[unit as keyof typeof UNIT_MS];
  })
  .refine((ms) => Number.isSafeInteger(ms), "the window is too long");

const count = () => z.number().int().positive();

/** One rule: requests and tokens per window, and requests in flight at once (no window). */
const rule = z
  .object({
    requests: count().optional().describe("requests per window"),
    tokens: count()
      .optional()
      .describe("prompt plus completion tokens per window (estimated at admission, corrected at the end)"),
    concurrent: count().optional().describe("requests in flight at once"),
    window: windowMs
      .optional()
      .describe('"1s", "1m", "15m", "1h", "1d" or ms; required with requests or tokens'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.requests === undefined && r.tokens === undefined && r.concurrent === undefined)
      ctx.addIssue({ code: "custom", message: "a rule sets requests, tokens or concurrent" });
    if ((r.requests !== undefined || r.tokens !== undefined) && r.window === undefined)
      ctx.addIssue({ code: "custom", path: ["window"], message: "requests and tokens need a window" });
  });

/**
 * Rules for one scope. Two rules may not count the same thing over the same
 * window. Also what a stored key's own limits are checked against (core/key-admin.ts).
 */
export const limitRules = z
  .array(rule)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((r, i) => {
      for (const kind of ["requests", "tokens", "concurrent"] as const) {
        if (r[kind] === undefined) continue;
        const id = kind === "concurrent" ? kind : `${kind}/${r.window}`;
        if (seen.has(id))
          ctx.addIssue({
            code: "custom",
            path: [i, kind],
            message: `another rule already limits ${kind}${kind === "concurrent" ? "" : " over this window"}`,
          });
        seen.add(id);
      }
    });
  });

export const limitsSchema = z
  .object({
    global: limitRules.describe("counted over every call"),
    per_key: limitRules.describe("counted for each key separately"),
    keys: z
      .record(z.string().min(1), limitRules)
      .default({})
      .describe("by key name: replaces per_key for that key"),
    teams: z
      .record(z.string().min(1), limitRules)
      .default({})
      .describe("by team: shared by all the team's keys"),
    models: z
      .record(z.string().min(1), limitRules)
      .default({})
      .describe("by the model name as the caller sends it, over all keys"),
    default_max_tokens: count()
      .default(512)
      .describe("completion tokens reserved for a request that sets no max_tokens"),
    fail_open: z
      .boolean()
      .default(false)
      .describe("when the limit store fails, let calls through (with a warning) instead of refusing them"),
  })
  .strict();

export type LimitsConfig = z.infer<typeof limitsSchema>;
export type LimitRule = LimitsConfig["global"][number];

/** Whether any rule is configured at all: with none, the rate-limit policy is left out of the chain. */
export function hasLimits(limits: LimitsConfig): boolean {
  const some = (byName: Record<string, LimitRule[]>) => Object.values(byName).some((r) => r.length > 0);
  return (
    limits.global.length > 0 ||
    limits.per_key.length > 0 ||
    some(limits.keys) ||
    some(limits.teams) ||
    some(limits.models)
  );
}

/** The length of a window as the docs and messages write it ("15m", "1d", "1500ms"). */
export function windowName(ms: number): string {
  for (const unit of ["d", "h", "m", "s"] as const) {
    const size = UNIT_MS[unit];
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
