import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type ApiKeySchema,
  type KeySettings,
  KeySource,
  type KeysService,
} from "../../gen/llmgw/v1/keys_pb.js";
import type { KeyInfo } from "../core/call.ts";
import { adminOnly, type KeySettingsInput, type KeyView } from "../core/key-admin.ts";
import type { GatewayServices } from "../core/services.ts";
import { invalidRequest } from "../errors/gateway-error.ts";
import { toConnectError } from "./connect-error.ts";
import { budgetInputs, keyBudgets, keyLimits, limitInputs } from "./key-rules.ts";
import { rpcCredential } from "./rpc-call.ts";

/** KeysService: key management through the key admin service. Admin keys only, but for GetCurrentKey. */
export function keysService(services: GatewayServices): ServiceImpl<typeof KeysService> {
  const caller = (ctx: HandlerContext): KeyInfo =>
    services.auth.authenticate(rpcCredential(ctx), ctx.responseHeader.get("x-request-id") ?? "");
  return {
    getCurrentKey(_req, ctx) {
      try {
        return { key: apiKey(services.keys.current(caller(ctx))) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async createKey(req, ctx) {
      try {
        const { key, secret } = await services.keys.create(
          caller(ctx),
          req.name,
          createSettings(req.settings),
        );
        return { key: apiKey(key), secret };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    listKeys(req, ctx) {
      try {
        return { keys: services.keys.list(caller(ctx), req.includeRevoked).map(apiKey) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    getKey(req, ctx) {
      try {
        return { key: apiKey(services.keys.get(caller(ctx), req.name)) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async updateKey(req, ctx) {
      try {
        const key = caller(ctx);
        // A key that may not manage keys learns nothing about its request's faults.
        adminOnly(key);
        const changes = maskedChanges(req.settings, req.updateMask?.paths ?? []);
        return { key: apiKey(await services.keys.update(key, req.name, changes)) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async revokeKey(req, ctx) {
      try {
        return { key: apiKey(await services.keys.revoke(caller(ctx), req.name)) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
  };
}

/**
 * A new key's settings: what is unset takes its default (enabled, no expiry,
 * every model and provider, the config's per-key limits and budgets).
 */
function createSettings(s: KeySettings | undefined): KeySettingsInput {
  if (s === undefined) return {};
  return {
    owner: s.owner,
    team: s.team,
    metadata: s.metadata,
    admin: s.admin,
    priority: s.priority,
    enabled: s.enabled ?? true,
    expiresAt: s.expireTime === undefined ? null : timestampMs(s.expireTime),
    models: s.modelsLimited ? s.models : null,
    providers: s.providersLimited ? s.providers : null,
    limits: limitInputs(s.limitsSet, s.limits),
    budgets: budgetInputs(s.budgetsSet, s.budgets),
  };
}

/**
 * The changes an update mask names. Paths are KeySettings' field names, as
 * protobuf spells them (`expire_time`); the JSON spelling (`expireTime`) is
 * taken too, for callers who build masks by hand.
 */
function maskedChanges(settings: KeySettings | undefined, paths: readonly string[]): KeySettingsInput {
  if (paths.length === 0) throw invalidRequest("update_mask names no field to change", "update_mask");
  const s: Partial<KeySettings> = settings ?? {};
  const changes: { -readonly [F in keyof KeySettingsInput]: KeySettingsInput[F] } = {};
  for (const path of paths) {
    switch (path) {
      case "owner":
        changes.owner = s.owner ?? "";
        break;
      case "team":
        changes.team = s.team ?? "";
        break;
      case "metadata":
        changes.metadata = s.metadata ?? {};
        break;
      case "admin":
        changes.admin = s.admin ?? false;
        break;
      case "priority":
        changes.priority = s.priority ?? 0;
        break;
      // Unset means enabled, as on create.
      case "enabled":
        changes.enabled = s.enabled ?? true;
        break;
      case "expire_time":
      case "expireTime":
        changes.expiresAt = s.expireTime === undefined ? null : timestampMs(s.expireTime);
        break;
      case "models":
      case "models_limited":
      case "modelsLimited":
        changes.models = s.modelsLimited ? (s.models ?? []) : null;
        break;
      case "providers":
      case "providers_limited":
      case "providersLimited":
        changes.providers = s.providersLimited ? (s.providers ?? []) : null;
        break;
      case "limits":
      case "limits_set":
      case "limitsSet":
        changes.limits = limitInputs(s.limitsSet ?? false, s.limits ?? []);
        break;
      case "budgets":
      case "budgets_set":
      case "budgetsSet":
        changes.budgets = budgetInputs(s.budgetsSet ?? false, s.budgets ?? []);
        break;
      default:
        throw invalidRequest(`update_mask: KeySettings has no field "${path}"`, "update_mask");
    }
  }
  return changes;
}

function apiKey(view: KeyView): MessageInitShape<typeof ApiKeySchema> {
  return {
    name: view.name,
    prefix: view.prefix,
    owner: view.owner,
    team: view.team,
    metadata: { ...view.metadata },
    ...(view.expiresAt === undefined ? {} : { expireTime: timestampFromMs(view.expiresAt) }),
    enabled: view.enabled,
    admin: view.admin,
    priority: view.priority,
    modelsLimited: view.models !== undefined,
    models: [...(view.models ?? [])],
    providersLimited: view.providers !== undefined,
    providers: [...(view.providers ?? [])],
    limitsSet: view.limits !== undefined,
    limits: keyLimits(view.limits ?? []),
    budgetsSet: view.budgets !== undefined,
    budgets: keyBudgets(view.budgets ?? []),
    source: view.source === "config" ? KeySource.CONFIG : KeySource.STORED,
    ...(view.createdAt === undefined ? {} : { createTime: timestampFromMs(view.createdAt) }),
    ...(view.updatedAt === undefined ? {} : { updateTime: timestampFromMs(view.updatedAt) }),
    ...(view.revokedAt === undefined ? {} : { revokeTime: timestampFromMs(view.revokedAt) }),
  };
}
