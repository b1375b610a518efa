import type { MessageInitShape } from "@bufbuild/protobuf";
import { useState } from "preact/hooks";
import type { InvalidateCacheRequestSchema } from "../../../gen/llmgw/v1/cache_pb.js";
import { Card, Stat } from "../components/card.tsx";
import { Empty, ErrorNotice } from "../components/notice.tsx";
import { usePoll } from "../data/use-poll.ts";
import { formatBytes, formatCount, formatPercent, formatUsd } from "../format/numbers.ts";
import type { PageProps } from "../page.ts";

type Target = "all" | "model" | "namespace" | "key";
const TARGETS: ReadonlyArray<{ value: Target; label: string }> = [
  { value: "all", label: "Everything" },
  { value: "model", label: "One model" },
  { value: "namespace", label: "One namespace" },
  { value: "key", label: "One cache key" },
];

/** The response cache: CacheService.GetCacheStats for any key, InvalidateCache for admin keys. */
export function CachePage({ client, session }: PageProps) {
  const stats = usePoll((signal) => client.cache.getCacheStats({}, { signal }), 5000);
  const [target, setTarget] = useState<Target>("model");
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ removed: bigint; what: string } | undefined>();
  const [error, setError] = useState<unknown>();
  const kinds = stats.data?.kinds ?? [];
  const totals = kinds.reduce(
    (acc, k) => ({
      entries: acc.entries + Number(k.entries),
      bytes: acc.bytes + Number(k.bytes),
      hits: acc.hits + Number(k.hits),
      misses: acc.misses + Number(k.misses),
      saved: acc.saved + k.costSavedUsd,
    }),
    { entries: 0, bytes: 0, hits: 0, misses: 0, saved: 0 },
  );

  const invalidate = async (event: Event) => {
    event.preventDefault();
    const what = target === "all" ? "every entry" : `${target} “${value.trim()}”`;
    if (target !== "all" && value.trim() === "") return;
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const request: MessageInitShape<typeof InvalidateCacheRequestSchema> = {
        target: target === "all" ? { case: "all", value: true } : { case: target, value: value.trim() },
      };
      const { removed } = await client.cache.invalidateCache(request);
      setResult({ removed, what });
      stats.refresh();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="grid">
      {stats.error !== undefined ? <ErrorNotice error={stats.error} what="Cache stats" /> : null}
      <Card title="Cache" wide>
        <div class="stats">
          <Stat
            label="Hit rate"
            value={formatPercent(
              totals.hits + totals.misses === 0 ? undefined : totals.hits / (totals.hits + totals.misses),
            )}
            note={`${formatCount(totals.hits)} hits, ${formatCount(totals.misses)} misses`}
          />
          <Stat label="Entries" value={formatCount(totals.entries)} note={formatBytes(totals.bytes)} />
          <Stat label="Saved" value={formatUsd(totals.saved)} note="what the hits would have cost" />
          <Stat
            label="Bypasses"
            value={formatCount(stats.data?.bypasses)}
            note="requests that skipped the cache"
          />
        </div>
      </Card>
      <Card title="By kind" wide={!session.admin}>
        {stats.loading ? (
          <p class="muted">Loading…</p>
        ) : kinds.length === 0 ? (
          <Empty>The response cache is off on this gateway (no `cache` section in its config).</Empty>
        ) : (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col" class="num">
                    Entries
                  </th>
                  <th scope="col" class="num">
                    Size
                  </th>
                  <th scope="col" class="num">
                    Hits
                  </th>
                  <th scope="col" class="num">
                    Misses
                  </th>
                  <th scope="col" class="num">
                    Hit rate
                  </th>
                  <th scope="col" class="num">
                    Saved
                  </th>
                </tr>
              </thead>
              <tbody>
                {kinds.map((k) => (
                  <tr key={k.kind}>
                    <th scope="row">{k.kind}</th>
                    <td class="num">{formatCount(k.entries)}</td>
                    <td class="num">{formatBytes(k.bytes)}</td>
                    <td class="num">{formatCount(k.hits)}</td>
                    <td class="num">{formatCount(k.misses)}</td>
                    <td class="num">{formatPercent(k.hits + k.misses === 0n ? undefined : k.hitRate)}</td>
                    <td class="num">{formatUsd(k.costSavedUsd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {session.admin ? (
        <Card title="Invalidate">
          <form class="stack" onSubmit={invalidate} aria-label="Invalidate cache entries">
            <div class="field">
              <label for="cache-target">Remove</label>
              <select
                id="cache-target"
                value={target}
                onChange={(e) => setTarget((e.target as HTMLSelectElement).value as Target)}
              >
                {TARGETS.map((t) => (
                  <option key={t.value} value={t.value}>
                    {t.label}
                  </option>
                ))}
              </select>
            </div>
            {target === "all" ? null : (
              <div class="field">
                <label for="cache-value">
                  {target === "model" ? "Model" : target === "namespace" ? "Namespace" : "Cache key"}
                </label>
                <input
                  id="cache-value"
                  value={value}
                  required
                  onInput={(e) => setValue((e.target as HTMLInputElement).value)}
                />
              </div>
            )}
            <button type="submit" class="danger" disabled={busy}>
              {busy ? "Removing…" : "Invalidate"}
            </button>
          </form>
          {result === undefined ? null : (
            <div class="notice notice-ok" role="status">
              Removed {formatCount(result.removed)} {result.removed === 1n ? "entry" : "entries"} (
              {result.what}).
            </div>
          )}
          {error === undefined ? null : <ErrorNotice error={error} what="Invalidate" />}
        </Card>
      ) : null}
    </div>
  );
}
