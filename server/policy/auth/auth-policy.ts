import type { Policy } from "../../core/chain.ts";
import type { Authenticator } from "./authenticator.ts";

/** Authenticates the call's credential and records its key, before its body is even read. */
export function authPolicy(auth: Authenticator): Policy {
  return (next) => (call) => {
    call.key = auth.authenticate(call.credential, call.requestId);
    return next(call);
  };
}
