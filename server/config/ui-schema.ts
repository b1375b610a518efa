import { z } from "zod";

/** Paths the UI may not take: the API's own (REST, RPC, health, metrics). */
const RESERVED = ["/v1", "/llmgw.", "/health", "/metrics", "/openai", "/anthropic", "/gemini"];

const uiPath = z
  .string()
  .regex(
    /^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/,
    "a path such as /ui: segments not starting with '.', no trailing '/'",
  )
  .refine(
    (path) =>
      !RESERVED.some((taken) => path === taken || path.startsWith(taken.endsWith(".") ? taken : `${taken}/`)),
    {
      message: `the UI path may not be one of the API's (${RESERVED.join(", ")})`,
    },
  );

/**
 * The `ui` key: the dashboard (web/dist, built by `npm run build:web`),
 * served on the gateway's own port. `true` (the default) serves it at `/ui`,
 * `false` leaves it out (then `/ui` is a plain 404), and an object moves it.
 * The normalised form is itself valid input, so a parsed config parses again.
 *
 * ```yaml
 * ui: { path: /dashboard }
 * ```
 */
export const uiSchema = z
  .union([
    z.boolean(),
    z
      .object({
        enabled: z.boolean().default(true).describe("false leaves the dashboard out"),
        path: uiPath.default("/ui").describe("where the dashboard is served"),
        dir: z
          .string()
          .min(1)
          .optional()
          .describe("the built dashboard's folder; absent is the package's web/dist"),
      })
      .strict(),
  ])
  .default(true)
  .transform((value): UiConfig => {
    if (typeof value === "boolean") return { enabled: value, path: "/ui", dir: undefined };
    return { enabled: value.enabled, path: value.path, dir: value.dir };
  });

/** The `ui` key, normalised. */
export interface UiConfig {
  readonly enabled: boolean;
  readonly path: string;
  readonly dir: string | undefined;
}
