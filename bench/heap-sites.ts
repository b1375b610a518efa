/**
 * Where a process allocates: V8's sampling heap profiler, driven over the inspector protocol (the target
 * runs with `--inspect=127.0.0.1:0`) while load runs. Two views: every allocation, and only the objects
 * that outlived a young-generation GC (what gets promoted to old space and later needs a full GC, the
 * source of long pauses). Figures are bytes per request, by allocation site.
 */

import type { Child } from "./children.ts";
import { area, type CallFrame, isProjectCode, label, type Row, rowTable } from "./profile.ts";

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

/** A minimal Chrome DevTools Protocol client over the global WebSocket. */
class Inspector {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #id = 0;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      const waiter = message.id === undefined ? undefined : this.#pending.get(message.id);
      if (!waiter || message.id === undefined) return;
      this.#pending.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
  }

  static async connect(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), { once: true });
    });
    return new Inspector(ws);
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.#id;
    this.#ws.send(JSON.stringify({ id, method, params }));
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
  }

  close(): void {
    this.#ws.close();
  }
}

export interface AllocationSummary {
  requests: number;
  /** Sampled bytes per request (an estimate: V8 samples every `samplingInterval` bytes on average). */
  kbPerRequest: number;
  topSites: Row[];
  byArea: Row[];
  projectInclusive: Row[];
}

function summarize(head: HeapNode, requests: number, top: number): AllocationSummary {
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, stack: string[]) => {
    const own = isProjectCode(node.callFrame.url) ? [...stack, label(node.callFrame)] : stack;
    if (node.selfSize > 0) {
      total += node.selfSize;
      const key = label(node.callFrame);
      self.set(key, (self.get(key) ?? 0) + node.selfSize);
      const a = area(node.callFrame);
      areas.set(a, (areas.get(a) ?? 0) + node.selfSize);
      for (const k of new Set(own)) inclusive.set(k, (inclusive.get(k) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, own);
  };
  walk(head, []);
  const rows = (map: Map<string, number>): Row[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, bytes]) => ({ name, value: bytes / 1024 / requests, pct: (100 * bytes) / total }));
  return {
    requests,
    kbPerRequest: total / 1024 / requests,
    topSites: rows(self),
    byArea: rows(areas),
    projectInclusive: rows(inclusive),
  };
}

/**
 * Samples the allocations of `child` (started with `--inspect=127.0.0.1:0 --expose-gc`) while `load` runs; `load`
 * returns the number of requests it completed. With `survivorsOnly`, objects that died in a
 * young-generation GC are left out.
 */
export async function allocationSites(
  child: Child,
  load: () => Promise<number>,
  survivorsOnly: boolean,
  top = 15,
): Promise<AllocationSummary> {
  const match = await child.stderrMatch(/Debugger listening on (ws:\/\/\S+)/);
  const inspector = await Inspector.connect(match[1] ?? "");
  try {
    await inspector.send("HeapProfiler.enable");
    await inspector.send("HeapProfiler.startSampling", {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: !survivorsOnly,
    });
    const requests = await load();
    if (survivorsOnly) {
      // Objects allocated since the last scavenge have not been tested yet: one more scavenge (the target
      // runs with --expose-gc) drops the dead ones, so what is left did outlive a young-generation GC.
      await inspector.send("Runtime.evaluate", { expression: "gc({ type: 'minor' })" });
    }
    const { profile } = await inspector.send<{ profile: { head: HeapNode } }>("HeapProfiler.stopSampling");
    return summarize(profile.head, requests, top);
  } finally {
    inspector.close();
  }
}

export function formatAllocations(all: AllocationSummary, survivors: AllocationSummary): string {
  const unit = "KB/req";
  return [
    `Every allocation: ${all.kbPerRequest.toFixed(1)} KB per request over ${all.requests} requests.`,
    "",
    rowTable("**Allocation by site (self)**", all.topSites, unit, 2),
    rowTable("**Allocation by area**", all.byArea, unit, 2),
    rowTable("**Allocation under the project's functions (inclusive)**", all.projectInclusive, unit, 2),
    `Objects that outlived a young-generation GC: ${survivors.kbPerRequest.toFixed(2)} KB per request ` +
      `over ${survivors.requests} requests.`,
    "",
    rowTable("**Surviving allocation by site (self)**", survivors.topSites, unit, 3),
    rowTable(
      "**Surviving allocation under the project's functions (inclusive)**",
      survivors.projectInclusive,
      unit,
      3,
    ),
  ].join("\n");
}
