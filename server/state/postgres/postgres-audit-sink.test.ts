import { afterAll, beforeAll } from "vitest";
import { PostgresServer } from "../../../test/harness/postgres-server.ts";
import { auditSinkContract } from "../audit-sink-contract.ts";
import { PostgresAuditSink } from "./postgres-audit-sink.ts";

let server: PostgresServer;
beforeAll(async () => {
  server = await PostgresServer.start();
});
afterAll(async () => {
  await server?.stop();
});

auditSinkContract("PostgreSQL", async () => new PostgresAuditSink(await server.database(), 600_000));
