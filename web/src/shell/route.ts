import type { PageDef } from "../page.ts";

/** The page a hash names (`#/audit` → "audit", `#/audit/rec-1` → "audit"), or undefined. */
export function pageIdOf(hash: string): string | undefined {
  const match = /^#\/([a-z0-9-]+)/.exec(hash);
  return match?.[1];
}

/** What the shell shows for a hash: a page, an admin-only refusal, or the first page by default. */
export type Resolved =
  | { readonly kind: "page"; readonly page: PageDef }
  | { readonly kind: "admin-only"; readonly page: PageDef }
  | { readonly kind: "unknown"; readonly fallback: PageDef | undefined };

export function resolvePage(pages: readonly PageDef[], hash: string, admin: boolean): Resolved {
  const id = pageIdOf(hash);
  const page = pages.find((p) => p.id === id);
  if (page === undefined) return { kind: "unknown", fallback: visiblePages(pages, admin)[0] };
  if (page.adminOnly && !admin) return { kind: "admin-only", page };
  return { kind: "page", page };
}

/** The pages the navigation lists for a key. */
export function visiblePages(pages: readonly PageDef[], admin: boolean): PageDef[] {
  return pages.filter((page) => admin || !page.adminOnly);
}
