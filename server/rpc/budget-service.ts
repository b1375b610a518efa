import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type Budget,
  BudgetPeriod,
  BudgetSchema,
  type BudgetService,
  BudgetUnit,
} from "../../gen/llmgw/v1/budget_pb.js";
import type { KeyInfo } from "../core/call.ts";
import type { GatewayServices } from "../core/services.ts";
import { spendReport } from "../core/spend-report.ts";
import { GatewayError, invalidRequest } from "../errors/gateway-error.ts";
import type { BudgetView } from "../policy/budget/budget-control.ts";
import { toConnectError } from "./connect-error.ts";
import { periodName, withinCap } from "./key-rules.ts";
import { rpcCredential } from "./rpc-call.ts";

/**
 * BudgetService: budgets' spend, reservations, caps and reset times,
 * runtime changes to the caps, and spend from the ledger (GetSpend). Any key may read its own budgets; reading
 * another key's, listing them all and changing them need an admin key. A
 * stored key's own budgets (KeysService) show beside the config's.
 */
export function budgetService(services: GatewayServices): ServiceImpl<typeof BudgetService> {
  const caller = (ctx: HandlerContext): KeyInfo =>
    services.auth.authenticate(rpcCredential(ctx), ctx.responseHeader.get("x-request-id") ?? "");
  const control = services.budgets;
  return {
    async getBudget(req, ctx) {
      try {
        const key = caller(ctx);
        if (control === undefined) return { budgets: [] };
        const name = req.key === "" ? key.name : req.key;
        if (name !== key.name && !key.admin) throw adminOnly("read another key's budgets");
        const payer = name === key.name ? key : control.payer(name);
        if (payer === undefined) throw new GatewayError("not_found", `no key is named "${name}"`);
        return { budgets: (await control.forPayer(payer)).map(budget) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async listBudgets(_req, ctx) {
      try {
        if (!caller(ctx).admin) throw adminOnly("list every budget");
        return { budgets: control === undefined ? [] : (await control.list()).map(budget) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async setBudget(req, ctx) {
      try {
        if (!caller(ctx).admin) throw adminOnly("change budgets");
        if (control === undefined)
          throw invalidRequest("budgets are off: configure at least one in the config file's `budgets`");
        const period = periodName(req.period);
        if (period === undefined) throw invalidRequest("period must be DAY or MONTH", "period");
        if (req.usd !== undefined && !(req.usd > 0)) throw invalidRequest("usd must be above 0", "usd");
        if (req.tokens !== undefined && req.tokens <= 0n)
          throw invalidRequest("tokens must be above 0", "tokens");
        const caps = {
          ...(req.usd === undefined ? {} : { usd: withinCap(req.usd, "usd") }),
          ...(req.tokens === undefined ? {} : { tokens: withinCap(Number(req.tokens), "tokens") }),
        };
        return { budgets: (await control.set(req.scope, period, caps)).map(budget) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    // From the ledger, so it answers with or without budgets configured.
    async getSpend(req, ctx) {
      try {
        const usage = await services.usage.query(caller(ctx), {
          startMs: req.start === undefined ? undefined : timestampMs(req.start),
          endMs: req.end === undefined ? undefined : timestampMs(req.end),
          key: req.key,
          team: req.team,
          provider: "",
          model: req.model,
        });
        const report = spendReport(usage.rows);
        return {
          rows: report.rows.map((row) => ({
            day: row.day,
            key: row.key,
            team: row.team,
            model: row.model,
            requests: BigInt(row.requests),
            promptTokens: BigInt(row.promptTokens),
            completionTokens: BigInt(row.completionTokens),
            costUsd: row.costUsd,
          })),
          totalCostUsd: report.totalCostUsd,
          totalTokens: BigInt(report.totalTokens),
          totalRequests: BigInt(report.totalRequests),
        };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
  };
}

function adminOnly(what: string): GatewayError {
  return new GatewayError("permission_denied", `only admin keys may ${what}`);
}

function budget(view: BudgetView): Budget {
  return create(BudgetSchema, {
    scope: view.scope,
    unit: view.unit === "usd" ? BudgetUnit.USD : BudgetUnit.TOKENS,
    period: view.periodKind === "day" ? BudgetPeriod.DAY : BudgetPeriod.MONTH,
    periodName: view.period,
    spent: view.spent,
    reserved: view.reserved,
    limit: view.cap,
    resetTime: timestampFromMs(view.resetsAtMs),
  });
}
