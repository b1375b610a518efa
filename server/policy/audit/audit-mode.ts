import type { Call } from "../../core/call.ts";
import type { AuditMode } from "../../state/audit-sink.ts";

/** The modes as the config sets them: one for every key, and overrides by key name. */
export interface AuditModes {
  readonly mode: AuditMode;
  readonly keys: Readonly<Record<string, AuditMode>>;
}

/**
 * The mode one call is recorded in: its key's override, else the global
 * mode; a caller that sent `x-llmgw-log-payload: false` lowers a payload
 * mode to `metadata-only`, and can never raise one. A call refused before it
 * authenticated has no key, so the global mode applies.
 */
export function modeOf(modes: AuditModes, call: Call): AuditMode {
  const name = call.key?.name;
  const mode =
    (name !== undefined && Object.hasOwn(modes.keys, name) ? modes.keys[name] : undefined) ?? modes.mode;
  if (!call.logPayload && (mode === "full" || mode === "redact-pii")) return "metadata-only";
  return mode;
}

/** Whether a mode keeps payloads. */
export function keepsPayloads(mode: AuditMode): boolean {
  return mode === "full" || mode === "redact-pii";
}
