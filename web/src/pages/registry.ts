import type { PageDef } from "../page.ts";
import { AnalyticsPage } from "./analytics.tsx";
import { AuditPage } from "./audit.tsx";
import { BenchmarksPage } from "./benchmarks.tsx";
import { CachePage } from "./cache.tsx";
import { KeysPage } from "./keys.tsx";
import { OverviewPage } from "./overview.tsx";
import { PlaygroundPage } from "./playground.tsx";
import { ProvidersPage } from "./providers.tsx";
import { RoutingPage } from "./routing.tsx";

/**
 * The dashboard's pages, in navigation order: one line per page. The first
 * page a key may see is where it lands. `adminOnly` pages are hidden from
 * other keys (the server refuses their RPCs regardless).
 */
export const PAGES: readonly PageDef[] = [
  { id: "overview", title: "Overview", adminOnly: false, component: OverviewPage },
  { id: "providers", title: "Providers", adminOnly: false, component: ProvidersPage },
  { id: "routing", title: "Routing", adminOnly: false, component: RoutingPage },
  { id: "keys", title: "Keys", adminOnly: true, component: KeysPage },
  { id: "analytics", title: "Analytics", adminOnly: false, component: AnalyticsPage },
  { id: "audit", title: "Audit", adminOnly: true, component: AuditPage },
  { id: "cache", title: "Cache", adminOnly: false, component: CachePage },
  { id: "playground", title: "Playground", adminOnly: false, component: PlaygroundPage },
  { id: "benchmarks", title: "Benchmarks", adminOnly: false, component: BenchmarksPage },
];
