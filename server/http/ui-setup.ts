import type { Logger } from "pino";
import { type SecurityHeadersConfig, UI_CSP } from "../config/security-headers-schema.ts";
import type { UiConfig } from "../config/ui-schema.ts";
import { DEFAULT_UI_DIR, loadUiFiles } from "./ui-files.ts";
import { type UiRoutes, uiRoutes } from "./ui-routes.ts";

/**
 * The dashboard's routes from the `ui` key: its files read into memory once,
 * here, at start-up. Absent when the UI is off; without a build, routes that
 * answer 503, and a warning in the log.
 */
export function uiRoutesFor(config: UiConfig, log: Logger): UiRoutes | undefined {
  if (!config.enabled) return undefined;
  const dir = config.dir ?? DEFAULT_UI_DIR;
  const files = loadUiFiles(dir);
  if (files === undefined)
    log.warn(
      { dir },
      `the dashboard is not built: ${config.path} answers 503 until 'npm run build:web' is run`,
    );
  else log.info({ path: config.path, files: files.size }, "dashboard served");
  return uiRoutes(config.path, files);
}

/** The UI's CSP follows the UI to its configured path, unless the config sets one there itself. */
export function withUiCsp(headers: SecurityHeadersConfig, ui: UiConfig): SecurityHeadersConfig {
  if (!ui.enabled || ui.path === "/ui" || headers.csp[ui.path] !== undefined) return headers;
  return { ...headers, csp: { ...headers.csp, [ui.path]: UI_CSP } };
}
