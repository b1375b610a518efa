/**
 * Who may call each RPC, as the gateway promises it. Every method in gen/
 * must appear here (test/admin-only.test.ts fails on one that does not), so
 * adding an RPC means deciding who may call it.
 *
 * - `admin`: admin keys only; any other key gets PermissionDenied.
 * - `any`: any valid key.
 * - `own`: any valid key for its own data; naming another key in the request
 *   (the `other` field below) needs an admin key.
 */
export type Access = "admin" | "any" | "own";

export const ACCESS: Readonly<Record<string, Access>> = {
  "llmgw.v1.AuditService/QueryAudit": "admin",
  "llmgw.v1.AuditService/GetAuditRecord": "admin",
  "llmgw.v1.AuditService/ExportAudit": "admin",

  "llmgw.v1.BenchmarkService/ListTasks": "any",
  "llmgw.v1.BenchmarkService/StartRun": "admin",
  "llmgw.v1.BenchmarkService/GetRun": "any",
  "llmgw.v1.BenchmarkService/ListRuns": "any",
  "llmgw.v1.BenchmarkService/GetResults": "any",

  "llmgw.v1.BudgetService/GetBudget": "own",
  "llmgw.v1.BudgetService/ListBudgets": "admin",
  "llmgw.v1.BudgetService/SetBudget": "admin",
  "llmgw.v1.BudgetService/GetSpend": "own",

  "llmgw.v1.CacheService/GetCacheStats": "any",
  "llmgw.v1.CacheService/InvalidateCache": "admin",
  "llmgw.v1.CacheService/LookupCache": "any",

  "llmgw.v1.ChatService/Complete": "any",
  "llmgw.v1.ChatService/Stream": "any",

  "llmgw.v1.EmbeddingsService/Embed": "any",

  "llmgw.v1.KeysService/GetCurrentKey": "any",
  "llmgw.v1.KeysService/CreateKey": "admin",
  "llmgw.v1.KeysService/ListKeys": "admin",
  "llmgw.v1.KeysService/GetKey": "admin",
  "llmgw.v1.KeysService/UpdateKey": "admin",
  "llmgw.v1.KeysService/RevokeKey": "admin",

  "llmgw.v1.ModelsService/ListModels": "any",
  "llmgw.v1.ModelsService/GetModel": "any",

  "llmgw.v1.RoutingService/ExplainRoute": "any",
  "llmgw.v1.RoutingService/ListDeployments": "any",
  "llmgw.v1.RoutingService/GetRoutingConfig": "any",
  "llmgw.v1.RoutingService/UpdateRoutingConfig": "admin",

  "llmgw.v1.UsageService/GetUsage": "own",
  "llmgw.v1.UsageService/WatchUsage": "own",
  "llmgw.v1.UsageService/GetStats": "admin",
};

/** For an `own` method: the request field that names whose data to read. */
export const OWNER_FIELD: Readonly<Record<string, string>> = {
  "llmgw.v1.BudgetService/GetBudget": "key",
  "llmgw.v1.BudgetService/GetSpend": "key",
  "llmgw.v1.UsageService/GetUsage": "key",
  "llmgw.v1.UsageService/WatchUsage": "key",
};

/** An admin key ("ops") and one that is not ("app"). */
export const ADMIN_KEY = "sk-access-ops-000001";
export const USER_KEY = "sk-access-app-000001";

/** The gateway config of the access tests: both keys, and the audit log on so AuditService has records to guard. */
export const ACCESS_CONFIG = {
  keys: [
    { name: "ops", key: ADMIN_KEY, admin: true },
    { name: "app", key: USER_KEY },
  ],
  audit: { enabled: true },
};
