import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresServer } from "./postgres-server.ts";

describe("the PostgreSQL test server", () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await PostgresServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("runs a real PostgreSQL, not as root, on its own port", async () => {
    const [row] = await server.query<{ version: string; user: string }>(
      "SELECT current_setting('server_version_num') AS version, (SELECT usename FROM pg_user WHERE usesysid = 10) AS user",
    );
    expect(Number(row?.version)).toBeGreaterThanOrEqual(130_000);
    expect(row?.user).toBe("postgres");
    expect(server.url).toContain(`:${server.port}/`);
  });

  it("creates empty databases apart from each other", async () => {
    const a = await server.database();
    const b = await server.database();
    expect(a).not.toBe(b);
    await server.query("CREATE TABLE t (n int)", [], a);
    await server.query("INSERT INTO t VALUES (1)", [], a);
    expect(await server.query("SELECT n FROM t", [], a)).toEqual([{ n: 1 }]);
    await expect(server.query("SELECT n FROM t", [], b)).rejects.toThrow(/does not exist/);
  });

  it("refuses connections once killed, and keeps committed data across a restart on the same port", async () => {
    const url = await server.database();
    await server.query("CREATE TABLE kept (n int)", [], url);
    await server.query("INSERT INTO kept VALUES (7)", [], url);
    await server.kill();
    await expect(server.query("SELECT 1", [], url)).rejects.toThrow();
    await server.restart();
    expect(await server.query("SELECT n FROM kept", [], url)).toEqual([{ n: 7 }]);
  });
});
