import type { ComponentType } from "preact";
import type { LlmgwClient } from "../../sdk/client.ts";

/** Who is signed in: the key is kept in sessionStorage only, never in a URL. */
export interface Session {
  /** The API key, sent as `authorization: Bearer` on every call. */
  readonly key: string;
  /** The key's name, from KeysService.GetCurrentKey. */
  readonly name: string;
  /** Admin keys see the admin pages; the server enforces the same rule regardless. */
  readonly admin: boolean;
}

/** What every page is given: the typed SDK client over gRPC-Web/Connect, and the session. */
export interface PageProps {
  readonly client: LlmgwClient;
  readonly session: Session;
}

/** One page of the dashboard, as the shell's navigation lists it. */
export interface PageDef {
  /** The hash route: `#/<id>`. */
  readonly id: string;
  /** The navigation label and the page's heading. */
  readonly title: string;
  /** Hidden from keys that are not admin keys. */
  readonly adminOnly: boolean;
  readonly component: ComponentType<PageProps>;
}
