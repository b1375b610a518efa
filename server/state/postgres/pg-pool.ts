import pg from "pg";

/** How one store's pool connects. */
export interface PgPoolOptions {
  readonly url: string;
  /** `application_name`, so `pg_stat_activity` shows which store a connection is. */
  readonly name: string;
  readonly max: number;
  /** How long a connection attempt or a query may take before it fails (a hung or unreachable server). */
  readonly timeoutMs: number;
  readonly onError: (error: unknown) => void;
}

/**
 * A store's own connection pool. An idle connection that breaks (a
 * restarted server) goes to `onError` rather than crashing the process; the
 * next query reconnects.
 */
export function openPgPool(options: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    application_name: options.name,
    connectionTimeoutMillis: options.timeoutMs,
    query_timeout: options.timeoutMs,
  });
  pool.on("error", options.onError);
  return pool;
}
