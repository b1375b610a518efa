import pino, { type DestinationStream, type Logger } from "pino";
import { REDACT_PATHS } from "./redact-paths.ts";

/**
 * Structured JSON logs to stdout (or `destination`, for tests). `pretty`
 * gives readable coloured lines for a terminal (through pino-pretty, a dev
 * dependency loaded only then). Either way, the secret-bearing fields of
 * REDACT_PATHS are censored before a line is written.
 */
export function createLogger(level: string, pretty: boolean, destination?: DestinationStream): Logger {
  const redact = { paths: [...REDACT_PATHS], censor: "[redacted]" };
  if (!pretty) return pino({ level, base: { service: "llmgw" }, redact }, destination);
  return pino({
    level,
    redact,
    transport: {
      target: "pino-pretty",
      options: { colorize: true, translateTime: "HH:MM:ss.l", ignore: "pid,hostname" },
    },
  });
}
