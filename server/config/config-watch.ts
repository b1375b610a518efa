import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";

/** Changes closer together than this are one change (an editor writes, renames, touches). */
const SETTLE_MS = 150;

/**
 * Calls `onChange` once a file has changed and settled. The directory is
 * watched, not the file, so a file replaced by rename (how editors and
 * Kubernetes ConfigMaps update) is still seen. Returns a stop function.
 */
export function watchConfigFile(file: string, onChange: () => void): () => void {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), (_event, changed) => {
      if (changed !== null && changed !== name && !name.startsWith(String(changed))) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, SETTLE_MS);
      timer.unref();
    });
    watcher.unref();
  } catch {
    // A directory that cannot be watched leaves SIGHUP and UpdateRoutingConfig.
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}
