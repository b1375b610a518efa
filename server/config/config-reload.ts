import { isDeepStrictEqual } from "node:util";
import type { Logger } from "pino";
import { ConfigError, loadConfigFile } from "./load-config.ts";
import type { Config } from "./schema.ts";

/** The sections a running gateway takes up from a changed file without a restart. */
export const RELOADABLE = ["routing"] as const;

/** What a reload did: applied the reloadable sections, or refused the file whole. */
export type ReloadResult =
  | { readonly applied: boolean; readonly needRestart: readonly string[] }
  | { readonly refused: string };

export interface ConfigReloaderDeps {
  readonly file: string;
  /** The config in force (as the file and the command line made it). */
  readonly current: Config;
  /** Puts a validated routing section in force (the routing table swap). */
  readonly applyRouting: (routing: Config["routing"]) => void;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Re-reads the config file on demand (SIGHUP, a file watch). The whole file
 * is validated by the same schema as at start-up first: a file that does not
 * load is refused, logged, and the config in force keeps serving. A valid
 * file's routing section is put in force (calls in flight keep the plan they
 * were routed with); a change to any other section needs a restart, and is
 * named in a log line and left alone.
 */
export class ConfigReloader {
  readonly #deps: ConfigReloaderDeps;
  /** The file as last loaded (its routing in force, its other sections as they were at start). */
  #loaded: Config;

  constructor(deps: ConfigReloaderDeps) {
    this.#deps = deps;
    this.#loaded = deps.current;
  }

  reload(reason: string): ReloadResult {
    const { log } = this.#deps;
    let next: Config;
    try {
      next = loadConfigFile(this.#deps.file, this.#deps.env);
    } catch (error) {
      const message = error instanceof ConfigError ? error.message : String(error);
      log.error(
        { reason, file: this.#deps.file, err: message },
        "config reload refused: the old config keeps serving",
      );
      return { refused: message };
    }
    const needRestart = changedSections(this.#loaded, next).filter(
      (section) => !(RELOADABLE as readonly string[]).includes(section),
    );
    if (needRestart.length > 0) {
      log.warn(
        { reason, sections: needRestart },
        `config reload: ${needRestart.join(", ")} changed, which needs a restart; those changes are not applied`,
      );
    }
    const applied = !isDeepStrictEqual(this.#loaded.routing, next.routing);
    if (applied) {
      try {
        this.#deps.applyRouting(next.routing);
      } catch (error) {
        const message = (error as Error).message;
        log.error({ reason, err: message }, "config reload refused: the old routing keeps serving");
        return { refused: message };
      }
      this.#loaded = { ...this.#loaded, routing: next.routing };
    }
    log.info({ reason, applied: applied ? RELOADABLE : [], needRestart }, "config reloaded");
    return { applied, needRestart };
  }
}

/** The top-level sections whose values differ. */
function changedSections(before: Config, after: Config): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter(
    (name) =>
      !isDeepStrictEqual(
        (before as unknown as Record<string, unknown>)[name],
        (after as unknown as Record<string, unknown>)[name],
      ),
  );
}
