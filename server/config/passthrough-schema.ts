import { z } from "zod";
import { isPrivateAddress } from "../providers/passthrough/private-address.ts";
import type { PassthroughApi } from "../providers/passthrough/raw-request.ts";
import { isOpenAICompatible } from "../providers/presets.ts";

/**
 * The `passthrough` section: routes that forward a caller's request of one
 * API family to a provider of the same family byte for byte (see
 * docs/passthrough.md). Absent, no pass-through route exists and the chain
 * is exactly what it is without it.
 *
 * ```yaml
 * passthrough:
 *   mount: /llm-gateway            # so https://host/llm-gateway/anthropic/v1/messages works
 *   routes:
 *     - api: anthropic             # served at {mount}/anthropic/*
 *       provider: claude           # optional: pin a provider; else routed by the body's model
 *     - api: openai
 *       prefix: /oai
 *       forward_caller_key: true   # the caller's own key goes upstream; the gateway's comes in x-llmgw-key
 * ```
 */

/** `/a/b`: lower-case path segments of URL-safe characters, no `.` or `..` segment, no trailing slash. */
const PATH = /^(?:\/(?!\.{1,2}(?:\/|$))[a-z0-9._~-]+)+$/;

/** Path roots the gateway's own routes live under, which a pass-through prefix may not shadow. */
const RESERVED = ["/v1", "/v1beta", "/api", "/health", "/ready", "/metrics", "/llmgw.v1."];

const route = z
  .object({
    api: z.enum(["anthropic", "openai", "gemini"]).describe("the API family the route speaks"),
    prefix: z
      .string()
      .regex(PATH, "use a path such as /anthropic: lower-case segments, no '.', '..' or trailing '/'")
      .optional()
      .describe("where the route is served, below the mount (default /<api>)"),
    provider: z
      .string()
      .min(1)
      .optional()
      .describe("the provider every request goes to; absent, the body's model is routed"),
    forward_caller_key: z
      .boolean()
      .default(false)
      .describe("send the caller's own provider key upstream; the gateway key then comes in x-llmgw-key"),
    allow_private: z
      .boolean()
      .default(false)
      .describe("allow upstreams at loopback, private or link-local addresses"),
  })
  .strict()
  .transform((r) => ({ ...r, prefix: r.prefix ?? `/${r.api}` }));

export const passthroughSchema = z
  .object({
    mount: z
      .union([z.literal(""), z.string().regex(PATH, 'use a path such as /llm-gateway, or ""')])
      .default("")
      .describe("the path every pass-through prefix sits under"),
    routes: z.array(route).min(1, "list at least one route"),
  })
  .strict();

export type PassthroughConfig = z.infer<typeof passthroughSchema>;
export type PassthroughRouteConfig = PassthroughConfig["routes"][number];

/** The API family a provider type speaks, when it can be passed through to. */
export function passthroughApiOf(type: string): PassthroughApi | undefined {
  if (type === "anthropic" || type === "gemini") return type;
  return isOpenAICompatible(type) ? "openai" : undefined;
}

/**
 * Checks the routes against the providers: prefixes are unique and shadow
 * no gateway route, a pinned provider exists and speaks the route's API, the
 * family has a provider at all, and no upstream the route may reach is a
 * private IP address unless the route says `allow_private` (host names are
 * checked when connecting).
 */
export function checkPassthrough(
  config: PassthroughConfig,
  providers: ReadonlyArray<{ readonly name: string; readonly type: string; readonly base_url: string }>,
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  config.routes.forEach((r, i) => {
    const path = ["passthrough", "routes", i];
    const full = config.mount + r.prefix;
    if (seen.has(full))
      ctx.addIssue({ code: "custom", path: [...path, "prefix"], message: `${full} is served by two routes` });
    seen.add(full);
    const shadowed = RESERVED.find((root) => full === root || full.startsWith(`${root}/`));
    if (shadowed !== undefined)
      ctx.addIssue({
        code: "custom",
        path: [...path, "prefix"],
        message: `${full} would shadow the gateway's own ${shadowed} routes; choose another prefix or a mount`,
      });
    const family = providers.filter((p) => passthroughApiOf(p.type) === r.api);
    let reached = family;
    if (r.provider !== undefined) {
      const pinned = providers.find((p) => p.name === r.provider);
      if (pinned === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [...path, "provider"],
          message: `no provider is named "${r.provider}"`,
        });
        return;
      }
      if (passthroughApiOf(pinned.type) !== r.api) {
        ctx.addIssue({
          code: "custom",
          path: [...path, "provider"],
          message: `provider "${r.provider}" is of type ${pinned.type}, which does not speak the ${r.api} API`,
        });
        return;
      }
      reached = [pinned];
    } else if (family.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "api"],
        message: `no provider speaks the ${r.api} API; configure one or remove the route`,
      });
      return;
    }
    if (r.allow_private) return;
    for (const p of reached) {
      const host = new URL(p.base_url).hostname;
      if (isPrivateAddress(host))
        ctx.addIssue({
          code: "custom",
          path: [...path, "allow_private"],
          message: `provider "${p.name}" is at the private address ${host}; set allow_private: true to pass through to it`,
        });
    }
  });
}
