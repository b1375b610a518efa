import type { PageDef } from "../page.ts";
import { BenchmarksPage } from "./benchmarks.tsx";
import { OverviewPage } from "./overview.tsx";
import { ProvidersPage } from "./providers.tsx";

/**
 * The dashboard's pages, in navigation order: one line per page. The first
 * page a key may see is where it lands. `adminOnly` pages are hidden from
 * other keys (the server refuses their RPCs regardless).
 */
export const PAGES: readonly PageDef[] = [
  { id: "overview", title: "Overview", adminOnly: false, component: OverviewPage },
  { id: "providers", title: "Providers", adminOnly: false, component: ProvidersPage },
  { id: "benchmarks", title: "Benchmarks", adminOnly: false, component: BenchmarksPage },
];
