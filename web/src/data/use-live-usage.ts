import { timestampMs } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import type { LlmgwClient } from "../../../sdk/client.ts";
import { addEvents, EMPTY_WINDOW, type LiveEvent, type LiveWindow } from "./live-stats.ts";
import { useVisible } from "./use-visible.ts";

/** How often buffered events reach the page: one render a second, however busy the gateway. */
const FLUSH_MS = 1000;
/** The wait before watching again after the stream ends or fails. */
const RETRY_MS = 2000;

/**
 * The live usage feed (UsageService.WatchUsage) as a rolling window of
 * `spanMs`: events are buffered and added once a second, and the watch is
 * started again whenever it ends (a deadline, a restart, a network loss).
 * The stream is aborted when the page goes away, and while the tab is hidden.
 */
export function useLiveUsage(client: LlmgwClient, spanMs: number): { window: LiveWindow; watching: boolean } {
  const [window, setWindow] = useState<LiveWindow>(EMPTY_WINDOW);
  const [watching, setWatching] = useState(false);
  const visible = useVisible();
  useEffect(() => {
    if (!visible) return;
    const abort = new AbortController();
    let buffer: LiveEvent[] = [];
    const flush = setInterval(() => {
      const added = buffer;
      buffer = [];
      setWindow((w) => addEvents(w, added, Date.now(), spanMs));
    }, FLUSH_MS);
    const run = async () => {
      while (!abort.signal.aborted) {
        try {
          // One message per second from the gateway, however busy: not one per request.
          const stream = client.usage.watchUsage({ batchMs: FLUSH_MS }, { signal: abort.signal });
          setWatching(true);
          for await (const { events } of stream) {
            for (const event of events) {
              buffer.push({
                at: event.time === undefined ? Date.now() : timestampMs(event.time),
                ok: event.status === "ok",
                latencyMs: event.latencyMs,
                ttftMs: event.ttftMs,
                cacheKind: event.cacheKind,
              });
            }
          }
        } catch {
          // Shown by the page's polls and the shell's reconnecting bar; here we only watch again.
        }
        setWatching(false);
        if (abort.signal.aborted) break;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    };
    void run();
    return () => {
      abort.abort();
      clearInterval(flush);
    };
  }, [client, spanMs, visible]);
  return { window, watching };
}
