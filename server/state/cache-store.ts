/**
 * The response cache's port: answers kept by key, each with its own TTL,
 * within a cap on entries and bytes. A key is `<namespace>:<model>:<hash>`,
 * where the namespace and model parts are short tags (hex, no `:`), so that
 * every backend can invalidate by namespace or model from the key alone,
 * with no second index to keep in step.
 */
export interface CacheStore {
  /** The entry's bytes, or undefined when it is absent or has expired. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores (or overwrites) an entry for `ttlMs`; the oldest entries make room beyond the caps. */
  set(key: string, value: Uint8Array, ttlMs: number): Promise<void>;
  /** Removes what `target` names; resolves to how many entries went. */
  invalidate(target: CacheTarget): Promise<number>;
  /** Entries held and the bytes they take. */
  stats(): Promise<CacheStoreStats>;
  close(): Promise<void>;
}

export interface CacheStoreStats {
  readonly entries: number;
  readonly bytes: number;
}

/** What `invalidate` removes. */
export type CacheTarget =
  | { readonly kind: "all" }
  | { readonly kind: "namespace"; readonly tag: string }
  | { readonly kind: "model"; readonly tag: string }
  | { readonly kind: "key"; readonly key: string };

/** The key of one entry, from its namespace tag, model tag and request hash. */
export function cacheEntryKey(namespaceTag: string, modelTag: string, hash: string): string {
  return `${namespaceTag}:${modelTag}:${hash}`;
}

/** Whether `key` (laid out as `cacheEntryKey` makes it) is one `target` names. */
export function targetMatches(target: CacheTarget, key: string): boolean {
  switch (target.kind) {
    case "all":
      return true;
    case "key":
      return key === target.key;
    // The namespace is the first part, the model the second.
    case "namespace":
      return key.startsWith(`${target.tag}:`);
    case "model":
      return key.indexOf(`:${target.tag}:`) === key.indexOf(":");
  }
}
