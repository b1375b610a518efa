import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { BenchmarkService } from "../../gen/llmgw/v1/benchmark_pb.js";
import type { BenchmarkRunner } from "../benchmark/benchmark-runner.ts";
import { summarize } from "../benchmark/run-summary.ts";
import { SUITE } from "../benchmark/suite.ts";
import type { KeyInfo } from "../core/call.ts";
import type { GatewayServices } from "../core/services.ts";
import { GatewayError, invalidRequest } from "../errors/gateway-error.ts";
import { resultMessage, runMessage, summaryMessage, taskMessage } from "./benchmark-messages.ts";
import { toConnectError } from "./connect-error.ts";
import { rpcCredential } from "./rpc-call.ts";

/**
 * BenchmarkService: the model benchmark suite. Every method needs a valid
 * key; StartRun needs an admin key (the runner checks), and its requests
 * then go through the pipeline as that key's.
 */
export function benchmarkService(services: GatewayServices): ServiceImpl<typeof BenchmarkService> {
  const caller = (ctx: HandlerContext): KeyInfo =>
    services.auth.authenticate(rpcCredential(ctx), ctx.responseHeader.get("x-request-id") ?? "");
  const runner = (): BenchmarkRunner => {
    if (services.benchmarks === undefined)
      throw new GatewayError("unavailable", "the benchmark suite is not running on this gateway");
    return services.benchmarks;
  };
  return {
    listTasks(_req, ctx) {
      try {
        caller(ctx);
        return { tasks: SUITE.map(taskMessage) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async startRun(req, ctx) {
      try {
        const run = await runner().start(caller(ctx), rpcCredential(ctx), {
          models: req.models,
          taskIds: req.taskIds,
          concurrency: req.concurrency,
        });
        return { run: runMessage(run) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async getRun(req, ctx) {
      try {
        caller(ctx);
        return { run: runMessage(await knownRun(runner(), req.id)) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async listRuns(req, ctx) {
      try {
        caller(ctx);
        const page = await runner()
          .list(req.pageSize, req.pageToken)
          .catch((error: unknown) => {
            throw error instanceof RangeError ? invalidRequest(error.message, "page_token") : error;
          });
        return { runs: page.runs.map(runMessage), nextPageToken: page.nextPageToken };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async getResults(req, ctx) {
      try {
        caller(ctx);
        const run = await knownRun(runner(), req.runId);
        const results = await runner().results(run.id);
        return {
          run: runMessage(run),
          results: results.map(resultMessage),
          models: summarize(run.models, results).map(summaryMessage),
        };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
  };
}

async function knownRun(runner: BenchmarkRunner, id: string) {
  if (id === "") throw invalidRequest("name the run", "id");
  const run = await runner.get(id);
  if (run === undefined)
    throw new GatewayError("not_found", `no benchmark run has the id "${id.slice(0, 100)}"`);
  return run;
}
