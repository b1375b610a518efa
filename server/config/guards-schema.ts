import { z } from "zod";
import { PII_TYPES } from "../policy/guard/pii-patterns.ts";

/**
 * The `guards` section of the config file: the input guards, which scan the
 * canonical request before it is routed. Each family has an action and the
 * places it applies; keys and teams override the global settings, family by
 * family, field by field (a key's beats its team's).
 *
 * ```yaml
 * guards:
 *   secrets: { action: block }                       # everywhere by default
 *   injection: { action: block, phrases: ["reveal your system prompt"] }   # tool results by default
 *   pii: { action: redact, where: [user, tool], types: { ip_address: false } }
 *   custom:
 *     - { name: codename, words: [Bluebird], action: block }
 *     - { name: ticket, regex: "OPS-\\d+", action: log, where: [user] }
 *   keys: { ci-bot: { pii: { action: allow } } }
 *   teams: { research: { injection: { where: [tool, user] } } }
 * ```
 */

export const GUARD_ACTIONS = ["allow", "log", "redact", "block"] as const;
export type GuardAction = (typeof GUARD_ACTIONS)[number];

/**
 * Where in the request a rule looks: system and developer messages (and
 * tool definitions), user, assistant, tool results; the rules that apply
 * everywhere by default look at these.
 */
export const GUARD_PLACES = ["system", "user", "assistant", "tool"] as const;
/** Where a rule may look: the request's places, and `output`, the model's answer (opt-in: it holds streams back). */
export type GuardPlace = (typeof GUARD_PLACES)[number] | "output";

const action = z.enum(GUARD_ACTIONS);
const where = z
  .array(z.enum([...GUARD_PLACES, "output"]))
  .min(1)
  .transform((places) => [...new Set(places)] as GuardPlace[]);

/** A regex that compiles, with no numbered backreference (rules share one regex, which would renumber them). */
const regexSource = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: `invalid regex: ${(error as Error).message}` });
      return;
    }
    if (/\\[1-9]/.test(source))
      ctx.addIssue({
        code: "custom",
        message: "numbered backreferences are not supported; use a named group",
      });
  });

const family = {
  action: action.optional(),
  where: where.optional(),
};

const piiTypes = z.partialRecord(z.enum(PII_TYPES), z.boolean());

/** One family's settings at one level; every field may be left to the level below. */
const secretsSettings = z.object(family).strict();
const injectionSettings = z
  .object({
    ...family,
    phrases: z
      .array(z.string().trim().min(1))
      .optional()
      .describe("more injection phrases, matched as whole words"),
  })
  .strict();
const piiSettings = z
  .object({ ...family, types: piiTypes.optional().describe("PII types on or off; all are on by default") })
  .strict();

const customRule = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "use lower-case letters, digits, '-' and '_'"),
    regex: regexSource.optional(),
    words: z.array(z.string().trim().min(1)).min(1).optional(),
    case_sensitive: z.boolean().default(false),
    action: action.default("block"),
    where: where.default([...GUARD_PLACES]),
  })
  .strict()
  .refine((r) => (r.regex === undefined) !== (r.words === undefined), {
    message: "a custom rule has either regex or words",
  });

/** What a key or a team overrides: families, and custom rules' actions by name. */
const override = z
  .object({
    secrets: secretsSettings.optional(),
    injection: injectionSettings.omit({ phrases: true }).optional(),
    pii: piiSettings.optional(),
    custom: z
      .record(z.string(), action)
      .optional()
      .describe("a custom rule's action for this key or team, by name"),
    restore: z.boolean().optional().describe("put redacted values back in the answer, for this key or team"),
  })
  .strict();

export const guardsSchema = z
  .object({
    secrets: secretsSettings.optional().describe("credentials; absent is off"),
    injection: injectionSettings.optional().describe("prompt injection; absent is off"),
    pii: piiSettings.optional().describe("personal data; absent is off"),
    custom: z.array(customRule).default([]),
    restore: z
      .boolean()
      .default(false)
      .describe("put the values the input guards redacted back in the answer (the upstream never sees them)"),
    keys: z.record(z.string(), override).default({}),
    teams: z.record(z.string(), override).default({}),
  })
  .strict()
  .superRefine((g, ctx) => {
    const names = new Set<string>();
    g.custom.forEach((r, i) => {
      if (names.has(r.name))
        ctx.addIssue({ code: "custom", path: ["custom", i, "name"], message: `duplicate rule "${r.name}"` });
      names.add(r.name);
    });
    for (const scope of ["keys", "teams"] as const)
      for (const [name, o] of Object.entries(g[scope]))
        for (const rule of Object.keys(o.custom ?? {}))
          if (!names.has(rule))
            ctx.addIssue({
              code: "custom",
              path: [scope, name, "custom", rule],
              message: `no custom rule is named "${rule}"`,
            });
  });

export type GuardsConfig = z.infer<typeof guardsSchema>;
export type GuardOverride = z.infer<typeof override>;
export type CustomRuleConfig = GuardsConfig["custom"][number];

/** Every place of the section that sets `redact`, as config paths, for the pass-through check. */
export function redactPaths(g: GuardsConfig): Array<Array<string | number>> {
  const paths: Array<Array<string | number>> = [];
  const global: GuardOverride = { secrets: g.secrets, injection: g.injection, pii: g.pii };
  const levels: Array<[Array<string | number>, GuardOverride]> = [[[], global]];
  for (const scope of ["keys", "teams"] as const)
    for (const [name, o] of Object.entries(g[scope])) levels.push([[scope, name], o]);
  for (const [path, level] of levels) {
    for (const f of ["secrets", "injection", "pii"] as const)
      if (level[f]?.action === "redact") paths.push([...path, f, "action"]);
    for (const [rule, a] of Object.entries(level.custom ?? {}))
      if (a === "redact") paths.push([...path, "custom", rule]);
  }
  g.custom.forEach((r, i) => {
    if (r.action === "redact") paths.push(["custom", i, "action"]);
  });
  return paths;
}
