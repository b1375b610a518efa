import type { z } from "zod";

/**
 * zod's issues as a list, one `  - path: message` line each: how the config
 * file's errors and a refused UpdateRoutingConfig name what is wrong.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
      return `  - ${path.replace(/^\./, "") || "(root)"}: ${issue.message}`;
    })
    .join("\n");
}
