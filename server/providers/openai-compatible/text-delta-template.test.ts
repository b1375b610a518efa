import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OpenAICompletion } from "../../wire/openai/wire-types.ts";
import { TextDeltaTemplate } from "./text-delta-template.ts";

/** `chunk` with another text in `choices[0].delta.content`: what a match claims its payload parses to. */
function withText(chunk: OpenAICompletion, text: string): OpenAICompletion {
  const copy = structuredClone(chunk);
  const delta = copy.choices?.[0]?.delta;
  if (delta) delta.content = text;
  return copy;
}

function learnt(payload: string): TextDeltaTemplate {
  const template = new TextDeltaTemplate();
  template.learn(payload, JSON.parse(payload) as OpenAICompletion);
  return template;
}

const plain = (content: string, id = "chatcmpl-1", extra = "") =>
  `{"id":"${id}","object":"chat.completion.chunk","created":1796192994,"model":"m",${extra}"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}]}`;

/** Text as tokens come: words, spaces, quotes, backslashes, newlines, emoji, lone surrogates. */
const token = fc.oneof(
  fc.string(),
  fc.constantFrom(" the", "\n", '"', "\\", "\\n", "😀", "\ud800", "</s>", '","content":"x'),
);

/** How an upstream writes its plain text chunks: keys in varied order, extra fields some send, spacing. */
const shape = fc.record({
  id: fc.oneof(fc.constant("chatcmpl-9"), fc.string({ maxLength: 12 })),
  model: fc.oneof(fc.constant("m"), fc.string({ maxLength: 8 })),
  role: fc.boolean(),
  fingerprint: fc.boolean(),
  usageNull: fc.boolean(),
  reverse: fc.boolean(),
  spaced: fc.boolean(),
});
type Shape = typeof shape extends fc.Arbitrary<infer T> ? T : never;

function render(r: Shape, content: string): string {
  const delta: Record<string, unknown> = r.role ? { role: "assistant", content } : { content };
  const body: Record<string, unknown> = {
    id: r.id,
    object: "chat.completion.chunk",
    created: 1796192994,
    model: r.model,
    ...(r.fingerprint ? { system_fingerprint: "fp_1" } : {}),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
    ...(r.usageNull ? { usage: null } : {}),
  };
  const ordered = r.reverse ? Object.fromEntries(Object.entries(body).reverse()) : body;
  return JSON.stringify(ordered, null, r.spaced ? 1 : undefined);
}

/** Edits of a payload: characters inserted, removed or replaced anywhere. */
const edited = (payload: string) =>
  fc
    .array(
      fc.record({
        at: fc.nat(),
        remove: fc.nat({ max: 3 }),
        insert: fc.oneof(
          fc.constant(""),
          fc.constantFrom('"', "\\", ",", "}", '"content":', " ", "a", "\\u0063"),
        ),
      }),
      { minLength: 1, maxLength: 3 },
    )
    .map((edits) => {
      let out = payload;
      for (const { at, remove, insert } of edits) {
        const i = at % (out.length + 1);
        out = out.slice(0, i) + insert + out.slice(i + remove);
      }
      return out;
    });

/** A template and a payload to read against it: the same shape with another text, edited or not, or any chunk. */
const pair = fc.tuple(shape, token, token, shape).chain(([r, first, next, other]) => {
  const template = render(r, first);
  return fc.tuple(
    fc.constant(template),
    fc.oneof(
      fc.constant(render(r, next)),
      edited(render(r, next)),
      edited(template),
      fc.constant(render(other, next)),
    ),
  );
});

describe("the text delta template", () => {
  it("reads a chunk that differs from the template only in its text, whatever the text", () => {
    fc.assert(
      fc.property(token, token, (first, next) => {
        expect(learnt(plain(first)).match(plain(next))).toBe(next);
      }),
    );
  });

  it("never claims a text unless the payload parses to the template's chunk with that text", () => {
    let matched = 0;
    fc.assert(
      fc.property(pair, ([template, payload]) => {
        const text = learnt(template).match(payload);
        if (text === undefined) return;
        matched++;
        const expected = withText(JSON.parse(template) as OpenAICompletion, text);
        expect(JSON.parse(payload)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
    // Not vacuous: edits inside the text, and other chunks of the same shape, do match.
    expect(matched).toBeGreaterThan(100);
  });

  it("learns nothing from a chunk that is not a plain text delta", () => {
    const others = [
      '{"id":"c","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]}',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"a"}}],"usage":{"prompt_tokens":1}}',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"a","reasoning_content":"think"}}]}',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"a","refusal":"no"}}]}',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"a","tool_calls":[]}}]}',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"a"}}]}',
      '{"id":"c","choices":[{"index":0,"delta":{"role":"assistant"}}]}',
      // The delta's key spelt with an escape, beside another "content" of the same text.
      '{"content":"a","choices":[{"index":0,"delta":{"c\\u006fntent":"a"}}]}',
      // A key that ends in `"content` after an escaped quote.
      '{"x\\"content":"a","choices":[{"index":0,"delta":{"content":"a"}}]}',
      // A backslash in the id: around the literal, so not a template.
      '{"id":"c\\\\d","choices":[{"index":0,"delta":{"content":"a"}}]}',
    ];
    for (const payload of others) {
      const template = learnt(payload);
      expect(template.match(payload), payload).toBeUndefined();
    }
  });

  it("misses what is not the template with one string in it", () => {
    const template = learnt(plain("a", "chatcmpl-1", '"obfuscation":"xy",'));
    expect(template.match(plain("b", "chatcmpl-1", '"obfuscation":"xy",'))).toBe("b");
    expect(template.match(plain("b", "chatcmpl-1", '"obfuscation":"xyz",'))).toBeUndefined();
    expect(template.match(plain("b", "chatcmpl-2", '"obfuscation":"xy",'))).toBeUndefined();
    const bare = learnt(plain("a"));
    expect(bare.match(plain("a").replace('"a"', '"b","content":"c"'))).toBeUndefined();
    expect(bare.match(plain("a").replace('"a"', "null"))).toBeUndefined();
    expect(bare.match(plain("a").replace('"a"', "12"))).toBeUndefined();
    expect(bare.match(plain("a").replace('"a"', '"unterminated'))).toBeUndefined();
    expect(bare.match("[DONE]")).toBeUndefined();
    expect(bare.index).toBe(0);
  });

  it("starts with no template, and drops it when a chunk that is not one comes", () => {
    const template = new TextDeltaTemplate();
    expect(template.match(plain("a"))).toBeUndefined();
    template.learn(plain("a"), JSON.parse(plain("a")) as OpenAICompletion);
    expect(template.match(plain("b"))).toBe("b");
    const finish = '{"id":"chatcmpl-1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}';
    template.learn(finish, JSON.parse(finish) as OpenAICompletion);
    expect(template.match(plain("b"))).toBeUndefined();
  });
});
