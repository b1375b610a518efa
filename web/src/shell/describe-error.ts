import { Code, ConnectError } from "@connectrpc/connect";

/** An error as the dashboard shows it: a sentence for people, never a JSON dump. */
export interface ErrorView {
  readonly title: string;
  readonly detail: string;
  /** What the shell does about it: sign in again, wait for the gateway, or nothing. */
  readonly kind: "sign-in" | "reconnecting" | "admin" | "other";
}

/**
 * Maps any error from an RPC (or the network under it) to a readable
 * message, by its Connect code. The gateway's own message (without
 * connect-es's `[code]` prefix) is the detail, when it has one.
 */
export function describeError(error: unknown): ErrorView {
  const err = ConnectError.from(error);
  const said = err.rawMessage.trim();
  switch (isNetworkLoss(error) ? Code.Unavailable : err.code) {
    // The key was refused: expired, revoked or mistyped.
    case Code.Unauthenticated:
      return { kind: "sign-in", title: "Your key was not accepted", detail: said || "Sign in again." };
    case Code.PermissionDenied:
      return {
        kind: "admin",
        title: "Not allowed with this key",
        detail: said || "This needs an admin key.",
      };
    // fetch failed, the gateway restarted, or it sheds load: it comes back by itself.
    case Code.Unavailable:
      return {
        kind: "reconnecting",
        title: "The gateway cannot be reached",
        detail: "Reconnecting… the page recovers by itself when the gateway answers again.",
      };
    case Code.DeadlineExceeded:
      return { kind: "other", title: "The gateway took too long to answer", detail: said || "Try again." };
    case Code.ResourceExhausted:
      return { kind: "other", title: "A rate limit or budget was reached", detail: said };
    case Code.InvalidArgument:
    case Code.OutOfRange:
      return { kind: "other", title: "The gateway refused the request", detail: said };
    case Code.NotFound:
      return { kind: "other", title: "Not found", detail: said };
    case Code.FailedPrecondition:
    case Code.Unimplemented:
      return { kind: "other", title: "Not available on this gateway", detail: said || "The feature is off." };
    case Code.Canceled:
      return { kind: "other", title: "Cancelled", detail: said };
    default:
      return { kind: "other", title: "Something went wrong", detail: said || "An unexpected error." };
  }
}

/**
 * Whether the gateway could not be reached at all: Unavailable, or `fetch`
 * itself failing (a TypeError, which connect-web passes on as Unknown with the
 * TypeError as its cause).
 */
export function isNetworkLoss(error: unknown): boolean {
  if (error instanceof TypeError) return true;
  if (!(error instanceof ConnectError)) return false;
  return error.code === Code.Unavailable || (error.code === Code.Unknown && error.cause instanceof TypeError);
}
