import { ConnectError } from "@connectrpc/connect";

/** Awaits `promise` and returns the ConnectError it rejects with; fails if it resolves. */
export async function connectErrorOf(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail");
}
