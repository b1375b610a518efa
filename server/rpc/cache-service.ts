import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { CacheService, InvalidateCacheRequest } from "../../gen/llmgw/v1/cache_pb.js";
import type { KeyInfo } from "../core/call.ts";
import type { GatewayServices } from "../core/services.ts";
import { GatewayError, invalidRequest } from "../errors/gateway-error.ts";
import type { InvalidateTarget } from "../policy/cache/cache-control.ts";
import { toConnectError } from "./connect-error.ts";
import { rpcCredential } from "./rpc-call.ts";

/**
 * CacheService: the response cache's figures (any key), invalidation (admin
 * keys only; on Redis it clears every replica at once, since they share the
 * entries) and the dry-run lookup, done for the calling key's namespace.
 * With the cache off, the stats are empty, nothing is removed and every
 * lookup is a miss that says why.
 */
export function cacheService(services: GatewayServices): ServiceImpl<typeof CacheService> {
  const caller = (ctx: HandlerContext): KeyInfo =>
    services.auth.authenticate(rpcCredential(ctx), ctx.responseHeader.get("x-request-id") ?? "");
  const control = services.cache;
  return {
    async getCacheStats(_req, ctx) {
      try {
        caller(ctx);
        if (control === undefined) return { kinds: [], bypasses: 0n };
        const { kinds, bypasses } = await control.stats();
        return {
          bypasses: BigInt(bypasses),
          kinds: kinds.map((k) => ({
            kind: k.kind,
            entries: BigInt(k.entries),
            bytes: BigInt(k.bytes),
            hits: BigInt(k.hits),
            misses: BigInt(k.misses),
            hitRate: k.hits + k.misses === 0 ? 0 : k.hits / (k.hits + k.misses),
            costSavedUsd: k.costSavedUsd,
          })),
        };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async invalidateCache(req, ctx) {
      try {
        if (!caller(ctx).admin)
          throw new GatewayError("permission_denied", "only admin keys may clear the cache");
        const target = invalidateTarget(req);
        if (control === undefined) return { removed: 0n };
        return { removed: BigInt(await control.invalidate(target)) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async lookupCache(req, ctx) {
      try {
        const key = caller(ctx);
        const request = req.request;
        if (request === undefined || request.model === "")
          throw invalidRequest("request.model is required", "request.model");
        if (control === undefined)
          return { hit: false, kind: "", similarity: 0, key: "", bypassReason: "the cache is off" };
        return await control.lookup(request, key, ctx.signal);
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
  };
}

function invalidateTarget(req: InvalidateCacheRequest): InvalidateTarget {
  const target = req.target;
  switch (target.case) {
    case "all":
      if (!target.value) throw invalidRequest("all must be true to clear everything", "all");
      return { kind: "all" };
    case "model":
      if (target.value === "") throw invalidRequest("model must not be empty", "model");
      return { kind: "model", model: target.value };
    case "namespace":
      if (!/^(global|key:.+|team:.+)$/.test(target.value))
        throw invalidRequest("namespace must be global, key:<name> or team:<team>", "namespace");
      return { kind: "namespace", namespace: target.value };
    case "key":
      if (target.value === "") throw invalidRequest("key must not be empty", "key");
      return { kind: "key", key: target.value };
    default:
      throw invalidRequest("say what to invalidate: all, model, namespace or key", "target");
  }
}
