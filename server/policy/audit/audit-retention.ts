import type { AuditSink } from "../../state/audit-sink.ts";

const DAY_MS = 86_400_000;

export interface RetentionSettings {
  readonly retentionDays: number | undefined;
  readonly maxRows: number | undefined;
  readonly intervalMs: number;
}

/**
 * Applies the audit log's retention in the background: records older than
 * `retentionDays` are deleted, then the oldest beyond `maxRows`, once at
 * start-up and every `intervalMs`. Off the request path; a failure goes to
 * `onError` and the next round tries again. `stop` clears the timer.
 */
export function startRetention(
  sink: AuditSink,
  settings: RetentionSettings,
  onError: (error: unknown) => void,
): { stop(): void } {
  const { retentionDays, maxRows } = settings;
  if (retentionDays === undefined && maxRows === undefined) return { stop() {} };
  let running = false;
  const round = async () => {
    if (running) return;
    running = true;
    try {
      if (retentionDays !== undefined) await sink.prune(retentionDays * DAY_MS);
      if (maxRows !== undefined) await sink.cap(maxRows);
    } catch (error) {
      onError(error);
    } finally {
      running = false;
    }
  };
  void round();
  const timer = setInterval(round, settings.intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
