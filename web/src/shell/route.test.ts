import { describe, expect, it } from "vitest";
import type { PageDef } from "../page.ts";
import { pageIdOf, resolvePage, visiblePages } from "./route.ts";

const page = (id: string, adminOnly: boolean): PageDef => ({
  id,
  title: id,
  adminOnly,
  component: () => null,
});
const PAGES = [page("overview", false), page("audit", true), page("cache", false)];

describe("hash routes", () => {
  it("reads the page id from the hash, ignoring what follows it", () => {
    expect(pageIdOf("#/audit")).toBe("audit");
    expect(pageIdOf("#/audit/abc?x=1")).toBe("audit");
    expect(pageIdOf("")).toBeUndefined();
    expect(pageIdOf("#audit")).toBeUndefined();
  });

  it("refuses an admin page to another key, and falls back to the first visible page", () => {
    expect(resolvePage(PAGES, "#/audit", true)).toMatchObject({ kind: "page", page: { id: "audit" } });
    expect(resolvePage(PAGES, "#/audit", false)).toMatchObject({ kind: "admin-only", page: { id: "audit" } });
    expect(resolvePage(PAGES, "#/nope", false)).toMatchObject({
      kind: "unknown",
      fallback: { id: "overview" },
    });
  });

  it("hides admin pages from the navigation of other keys", () => {
    expect(visiblePages(PAGES, false).map((p) => p.id)).toEqual(["overview", "cache"]);
    expect(visiblePages(PAGES, true)).toHaveLength(3);
  });
});
