import { z } from "zod";

/** The API answers JSON and never needs to load anything, so it allows nothing and may not be framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** The web UI at /ui loads its own scripts, styles and images, and nothing from elsewhere. */
export const UI_CSP =
  "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; " +
  "object-src 'none'; img-src 'self' data:; script-src 'self'; script-src-attr 'none'; style-src 'self'";

/**
 * The `security_headers` section: the headers Helmet sets. Every answer
 * (REST, RPC and errors) gets the ones that matter for an API answer; a
 * document path (`/ui`, and any prefix given a CSP here) gets Helmet's
 * document-only ones too. The CSP differs by path; the longest matching
 * prefix wins, and `/` is the fallback.
 *
 * ```yaml
 * security_headers:
 *   csp: { "/ui": "default-src 'self'; frame-ancestors 'none'" }
 *   hsts_max_age_s: 63072000
 * ```
 */
export const securityHeadersSchema = z
  .object({
    enabled: z.boolean().default(true).describe("false sends none of these headers"),
    csp: z
      .record(
        z.string().regex(/^\/[^\s?#]*$/, "a path prefix starting with '/'"),
        z.string().regex(/^[^\r\n]*$/, "one line"),
      )
      .default({})
      .describe("path prefix → Content-Security-Policy, merged over the built-in `/` and `/ui` policies"),
    hsts_max_age_s: z
      .number()
      .int()
      .nonnegative()
      .default(31_536_000)
      .describe("Strict-Transport-Security max-age, sent only when TLS is on; 0 sends none"),
  })
  .strict();

export type SecurityHeadersConfig = z.infer<typeof securityHeadersSchema>;
