import type { ProviderConfig } from "../../config/schema.ts";

/*
 * TGI's native `/generate` takes one prompt string, so the chat must be
 * rendered with the model's own chat template. These are the common
 * built-in formats, chosen per provider with `chat_template`:
 * - chatml (Qwen, many fine-tunes): `<|im_start|>role\ncontent<|im_end|>\n`;
 * - llama3: `<|begin_of_text|>` then `<|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>`;
 * - mistral (v1 instruct): `<s>[INST] user [/INST] assistant</s>`, with no
 *   system role (system text is folded into the first user turn);
 * - plain: `role: content` lines, for base models.
 * Each ends with the assistant's opening so the model answers as assistant.
 */

/** A built-in template's name, as the provider config spells it. */
export type ChatTemplateName = NonNullable<ProviderConfig["chat_template"]>;

/** One chat turn, already reduced to text (the adapter rejects images and tools before this). */
export interface TemplateTurn {
  readonly role: "system" | "user" | "assistant";
  readonly text: string;
}

/** A rendered prompt with the stop strings that end the assistant's turn in that format. */
export interface RenderedPrompt {
  readonly prompt: string;
  readonly stop: readonly string[];
  /** The prompt starts with the BOS token, so TGI must not add another one. */
  readonly hasBos: boolean;
}

/** ChatML: the default, and what most open chat models on TGI were tuned with. */
export function chatml(turns: readonly TemplateTurn[]): RenderedPrompt {
  let prompt = "";
  for (const turn of turns) prompt += `<|im_start|>${turn.role}\n${turn.text}<|im_end|>\n`;
  return { prompt: `${prompt}<|im_start|>assistant\n`, stop: ["<|im_end|>"], hasBos: false };
}

/** Llama 3 / 3.1 / 3.2 / 3.3 instruct headers. */
export function llama3(turns: readonly TemplateTurn[]): RenderedPrompt {
  let prompt = "<|begin_of_text|>";
  for (const turn of turns) {
    prompt += `<|start_header_id|>${turn.role}<|end_header_id|>\n\n${turn.text}<|eot_id|>`;
  }
  prompt += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return { prompt, stop: ["<|eot_id|>"], hasBos: true };
}

/** Mistral instruct: user turns in `[INST]`, system text folded into the first user turn. */
export function mistral(turns: readonly TemplateTurn[]): RenderedPrompt {
  const system = turns.filter((t) => t.role === "system").map((t) => t.text);
  let prompt = "<s>";
  let pending: string[] = [];
  let systemPending = system.length > 0;
  const flush = () => {
    if (pending.length === 0 && !systemPending) return;
    const user = pending.join("\n\n");
    const text = systemPending ? [...system, ...(user === "" ? [] : [user])].join("\n\n") : user;
    systemPending = false;
    prompt += `[INST] ${text} [/INST]`;
    pending = [];
  };
  for (const turn of turns) {
    if (turn.role === "user") pending.push(turn.text);
    else if (turn.role === "assistant") {
      flush();
      prompt += ` ${turn.text}</s>`;
    }
  }
  flush();
  return { prompt, stop: ["</s>"], hasBos: true };
}

/** `role: content` lines for base models; stops when the model starts writing the next user turn. */
export function plain(turns: readonly TemplateTurn[]): RenderedPrompt {
  let prompt = "";
  for (const turn of turns) prompt += `${turn.role}: ${turn.text}\n`;
  return { prompt: `${prompt}assistant:`, stop: ["\nuser:"], hasBos: false };
}

const TEMPLATES: Record<ChatTemplateName, (turns: readonly TemplateTurn[]) => RenderedPrompt> = {
  chatml,
  llama3,
  mistral,
  plain,
};

/** The template used when a TGI provider sets none. */
export const DEFAULT_CHAT_TEMPLATE: ChatTemplateName = "chatml";

/** Renders the chat with the named built-in template. */
export function renderChat(name: ChatTemplateName, turns: readonly TemplateTurn[]): RenderedPrompt {
  return TEMPLATES[name](turns);
}
