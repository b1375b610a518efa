import type { PageDef } from "../page.ts";
import { ProvidersPage } from "./providers.tsx";

/**
 * The dashboard's pages, in navigation order: one line per page. The first
 * page a key may see is where it lands. `adminOnly` pages are hidden from
 * other keys (the server refuses their RPCs regardless).
 */
export const PAGES: readonly PageDef[] = [
  { id: "providers", title: "Providers", adminOnly: false, component: ProvidersPage },
];
