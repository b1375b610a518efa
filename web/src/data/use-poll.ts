import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { useVisible } from "./use-visible.ts";

export interface Polled<T> {
  /** The last answer; kept while a later poll fails, so the page does not go blank. */
  readonly data: T | undefined;
  /** The last poll's error, cleared by the next success. */
  readonly error: unknown;
  readonly loading: boolean;
  /** Polls now (after a change the page made). */
  readonly refresh: () => void;
}

/**
 * Calls `load` now and every `intervalMs` after each answer (never two at
 * once), until the component goes away, when the call in flight is aborted
 * and the timer cleared. A failure does not stop the polling: the next tick
 * is the retry, which is how a page recovers after a network loss. Polling
 * stops while the tab is hidden and starts again, at once, when it shows.
 */
export function usePoll<T>(
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs: number,
  deps: readonly unknown[] = [],
): Polled<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const kick = useRef<() => void>(() => {});
  const visible = useVisible();
  useEffect(() => {
    if (!visible) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    const tick = async () => {
      if (running || abort.signal.aborted) return;
      running = true;
      clearTimeout(timer);
      try {
        const data = await load(abort.signal);
        if (!abort.signal.aborted) setState({ data, error: undefined, loading: false });
      } catch (error) {
        if (!abort.signal.aborted) setState((prev) => ({ data: prev.data, error, loading: false }));
      } finally {
        running = false;
        if (!abort.signal.aborted && intervalMs > 0) timer = setTimeout(tick, intervalMs);
      }
    };
    kick.current = () => void tick();
    void tick();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [...deps, visible]);
  const refresh = useCallback(() => kick.current(), []);
  return { ...state, refresh };
}
