import type pg from "pg";

/**
 * Runs `work` in one transaction on a connection of its own. A connection
 * that cannot even roll back is broken, so the pool is told not to hand it
 * out again.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (error) {
    const broken = await client.query("ROLLBACK").then(
      () => false,
      () => true,
    );
    client.release(broken ? (error as Error) : undefined);
    throw error;
  }
}

/** Creates a schema under an advisory lock, so replicas starting together do not race. */
export function createSchema(pool: pg.Pool, lock: number, schema: string): Promise<void> {
  return inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1)", [lock]);
    await client.query(schema);
  });
}
