/**
 * The semantic cache's index and local embedder, measured in-process:
 * - the local embedder's time per text, for a short prompt and a long one;
 * - lookup time at 10k and 100k entries in one partition (the worst case: one
 *   model, one system prompt), by brute force and through usearch's HNSW
 *   graph, for lookups that hit (a rewording of a cached prompt) and that
 *   miss (a new prompt), and how often HNSW finds the same entry as brute force.
 *
 *   node bench/cache-index.ts [sizes…]      (default: 10000 100000)
 *
 * Prompts are made from a fixed vocabulary by a seeded generator, so every
 * run measures the same data. All in one process, one thread.
 */
import { LocalEmbedder } from "../server/policy/cache/semantic/local-embedder.ts";
import { MemoryVectorIndex } from "../server/state/memory/memory-vector-index.ts";

const SIZES = process.argv.slice(2).map(Number).filter(Number.isFinite);
const LOOKUPS = 1_000;
const THRESHOLD = 0.95;

const WORDS = (
  "what how why when where which who explain describe compare list write summarise translate convert " +
  "capital population history weather recipe function error database server network python javascript " +
  "rust france germany japan brazil kenya river mountain ocean planet engine protein market contract " +
  "invoice customer refund shipping password account report chart budget meeting email letter poem " +
  "story joke summary difference between best cheapest fastest safest largest smallest first last " +
  "with without for about from into over under before after during and or of the a in on to is are"
).split(" ");

/** mulberry32: a small seeded generator, so that every run sees the same prompts. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function prompt(random: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(random() * WORDS.length)] as string);
  out.push(String(Math.floor(random() * 1_000)));
  return `${out.join(" ")}?`;
}

/** The same prompt as a caller might reword it: capitals and punctuation. */
function reworded(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1).replace("?", "??").replaceAll(" the ", ", the ")}`;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function micros(ms: number): string {
  return `${(ms * 1_000).toFixed(1)} µs`;
}

function embedderCost(embedder: LocalEmbedder): void {
  const random = generator(7);
  for (const [label, words] of [
    ["short (12 words)", 12],
    ["long (200 words)", 200],
  ] as const) {
    const texts = Array.from({ length: 2_000 }, () => prompt(random, words));
    for (const text of texts.slice(0, 200)) embedder.vector(text);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (const text of texts) embedder.vector(text);
    const each = (performance.now() - started) / texts.length;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuEach = (cpu.user + cpu.system) / 1_000 / texts.length;
    console.log(`| local embedder, ${label} | ${micros(cpuEach)} | ${micros(each)} |`);
  }
}

async function measure(embedder: LocalEmbedder, size: number): Promise<void> {
  const random = generator(size);
  const texts = Array.from({ length: size }, () => prompt(random, 12));
  const vectors = texts.map((text) => embedder.vector(text));
  const expiresAt = Date.now() + 3_600_000;
  const hits = Array.from({ length: LOOKUPS }, (_, i) => {
    const target = Math.floor((i * size) / LOOKUPS);
    return { target: `k${target}`, vector: embedder.vector(reworded(texts[target] as string)) };
  });
  const missRandom = generator(size + 1);
  const misses = Array.from({ length: LOOKUPS }, () => embedder.vector(prompt(missRandom, 12)));
  const found: Record<string, (string | undefined)[]> = {};
  for (const [label, bruteForceMax] of [
    ["brute force", Number.POSITIVE_INFINITY],
    ["HNSW (usearch)", 0],
  ] as const) {
    const index = new MemoryVectorIndex({ bruteForceMax, maxEntries: size });
    const buildStarted = performance.now();
    for (let i = 0; i < size; i++) {
      await index.add({
        key: `k${i}`,
        partition: "p",
        namespace: "",
        model: "m",
        vector: vectors[i] as Float32Array,
        expiresAt,
      });
    }
    const buildMs = performance.now() - buildStarted;
    const results: (string | undefined)[] = [];
    for (const [kind, queries] of [
      ["hit", hits.map((h) => h.vector)],
      ["miss", misses],
    ] as const) {
      const times: number[] = [];
      let matched = 0;
      const cpuBefore = process.cpuUsage();
      for (const query of queries) {
        const started = performance.now();
        const match = await index.nearest("p", query, THRESHOLD);
        times.push(performance.now() - started);
        if (match !== undefined) matched++;
        if (kind === "hit") results.push(match?.key);
      }
      const cpu = process.cpuUsage(cpuBefore);
      const cpuEach = (cpu.user + cpu.system) / 1_000 / queries.length;
      times.sort((a, b) => a - b);
      console.log(
        `| ${size.toLocaleString("en")} | ${label} | ${kind} | ${micros(cpuEach)} | ${micros(percentile(times, 50))} | ` +
          `${micros(percentile(times, 99))} | ${matched}/${queries.length} | ${(buildMs / 1_000).toFixed(1)} s |`,
      );
    }
    found[label] = results;
    await index.close();
  }
  const exact = found["brute force"] ?? [];
  const approximate = found["HNSW (usearch)"] ?? [];
  const rightByExact = exact.filter((key, i) => key === hits[i]?.target).length;
  const agreed = approximate.filter((key, i) => key === exact[i]).length;
  console.log(
    `| ${size.toLocaleString("en")} | brute force found the reworded prompt's entry ${rightByExact}/${LOOKUPS}; ` +
      `HNSW found the same entry as brute force ${agreed}/${LOOKUPS} | | | | | | |`,
  );
}

const embedder = new LocalEmbedder();
console.log(
  `node ${process.version}, local embedder at ${embedder.dimensions} dimensions, threshold ${THRESHOLD}\n`,
);
console.log("| what | CPU per text | wall time per text |\n| --- | --- | --- |");
embedderCost(embedder);
console.log(
  "\n| entries | search | lookups that | CPU per lookup | p50 | p99 | matched | build |\n| --- | --- | --- | --- | --- | --- | --- | --- |",
);
for (const size of SIZES.length > 0 ? SIZES : [10_000, 100_000]) await measure(embedder, size);
