import { Role } from "../../../gen/llmgw/v1/chat_pb.js";

/** OpenAI's role string to the canonical enum; undefined when the role is not one OpenAI defines. */
export function roleFromOpenAI(role: unknown): Role | undefined {
  switch (role) {
    case "system":
      return Role.SYSTEM;
    case "developer":
      return Role.DEVELOPER;
    case "user":
      return Role.USER;
    case "assistant":
      return Role.ASSISTANT;
    case "tool":
      return Role.TOOL;
    default:
      return undefined;
  }
}

/** The canonical enum to OpenAI's role string. */
export function roleToOpenAI(role: Role): string {
  switch (role) {
    case Role.SYSTEM:
      return "system";
    case Role.DEVELOPER:
      return "developer";
    case Role.ASSISTANT:
      return "assistant";
    case Role.TOOL:
      return "tool";
    default:
      return "user";
  }
}
