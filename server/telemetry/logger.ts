import pino, { type Logger } from "pino";

/**
 * Structured JSON logs to stdout. `pretty` gives readable coloured lines for
 * a terminal (through pino-pretty, a dev dependency loaded only then).
 */
export function createLogger(level: string, pretty: boolean): Logger {
  if (!pretty) return pino({ level, base: { service: "llmgw" } });
  return pino({
    level,
    transport: {
      target: "pino-pretty",
      options: { colorize: true, translateTime: "HH:MM:ss.l", ignore: "pid,hostname" },
    },
  });
}
