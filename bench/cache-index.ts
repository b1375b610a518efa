/**
 * The semantic cache's index and local embedder, measured in-process:
 * - the local embedder's time per text, for a short prompt and a long one;
 * - lookup time at 10k and 100k entries in one partition (the worst case: one
 *   model, one system prompt) through the sparse postings the local
 *   embedder's vectors now go to, for lookups that hit (a rewording of a
 *   cached prompt) and that miss (a new prompt), the heap per entry, and how
 *   often the reworded prompt's own entry was found;
 * - with BENCH_INDEX_DENSE=1, the same vectors folded to 512 dense
 *   dimensions (what the local embedder made before), by brute force and
 *   through usearch's HNSW graph, and how often HNSW agrees with brute force.
 *
 *   BENCH_INDEX_WORDS=12 BENCH_INDEX_DENSE=0 node bench/cache-index.ts [sizes…]   (default sizes: 10000 100000)
 *
 * Prompts are made from a fixed vocabulary by a seeded generator, so every
 * run measures the same data. All in one process, one thread.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { LocalEmbedder } from "../server/policy/cache/semantic/local-embedder.ts";
import { MemoryVectorIndex } from "../server/state/memory/memory-vector-index.ts";
import { foldToDense, type SparseVector, type UnitVector } from "../server/state/unit-vector.ts";

const SIZES = process.argv.slice(2).map(Number).filter(Number.isFinite);
const LOOKUPS = 1_000;
const THRESHOLD = 0.95;
/** Words per prompt (and a number after them). */
const WORDS_PER_PROMPT = Number(process.env.BENCH_INDEX_WORDS ?? 12);
/** BENCH_INDEX_DENSE=1 also runs the local embedder's vectors folded to 512 dense dimensions (what it was before): by brute force and through HNSW. */
const DENSE = process.env.BENCH_INDEX_DENSE === "1";

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

/** Heap in use after a full collection, for memory per entry. */
const gc = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();
function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

const dense512 = (sparse: SparseVector): Float32Array => foldToDense(sparse, 512);

interface Setup {
  readonly label: string;
  readonly bruteForceMax: number;
  readonly vector: (v: SparseVector) => UnitVector;
}

const SETUPS: readonly Setup[] = [
  { label: "sparse postings (now)", bruteForceMax: 0, vector: (v) => v },
  ...(DENSE
    ? [
        { label: "dense 512, brute force", bruteForceMax: Number.POSITIVE_INFINITY, vector: dense512 },
        { label: "dense 512, HNSW (usearch)", bruteForceMax: 0, vector: dense512 },
      ]
    : []),
];

async function measure(embedder: LocalEmbedder, size: number): Promise<void> {
  const random = generator(size);
  const texts = Array.from({ length: size }, () => prompt(random, WORDS_PER_PROMPT));
  const sparse = texts.map((text) => embedder.vector(text));
  const expiresAt = Date.now() + 3_600_000;
  const hits = Array.from({ length: LOOKUPS }, (_, i) => {
    const target = Math.floor((i * size) / LOOKUPS);
    return { target: `k${target}`, vector: embedder.vector(reworded(texts[target] as string)) };
  });
  const missRandom = generator(size + 1);
  const misses = Array.from({ length: LOOKUPS }, () => embedder.vector(prompt(missRandom, WORDS_PER_PROMPT)));
  const found: Record<string, (string | undefined)[]> = {};
  for (const setup of SETUPS) {
    const vectors = sparse.map(setup.vector);
    const index = new MemoryVectorIndex({ bruteForceMax: setup.bruteForceMax, maxEntries: size });
    const heapBefore = heapUsed();
    const buildStarted = performance.now();
    for (let i = 0; i < size; i++) {
      await index.add({
        key: `k${i}`,
        partition: "p",
        namespace: "",
        model: "m",
        vector: vectors[i] as UnitVector,
        expiresAt,
      });
    }
    const buildMs = performance.now() - buildStarted;
    // The heap the index holds beyond the vectors made before it (which the entries then share).
    const perEntry = (heapUsed() - heapBefore) / size;
    const results: (string | undefined)[] = [];
    for (const [kind, queries] of [
      ["hit", hits.map((h) => setup.vector(h.vector))],
      ["miss", misses.map(setup.vector)],
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
        `| ${size.toLocaleString("en")} | ${setup.label} | ${kind} | ${micros(cpuEach)} | ${micros(percentile(times, 50))} | ` +
          `${micros(percentile(times, 99))} | ${matched}/${queries.length} | ${(buildMs / 1_000).toFixed(1)} s | ` +
          `${(perEntry / 1_024).toFixed(2)} KiB |`,
      );
    }
    found[setup.label] = results;
    await index.close();
  }
  const postings = found["sparse postings (now)"] ?? [];
  const right = postings.filter((key, i) => key === hits[i]?.target).length;
  console.log(
    `| ${size.toLocaleString("en")} | the sparse postings found the reworded prompt's own entry ${right}/${LOOKUPS} | | | | | | | |`,
  );
  const exact = found["dense 512, brute force"];
  const approximate = found["dense 512, HNSW (usearch)"];
  if (exact !== undefined && approximate !== undefined) {
    const agreed = approximate.filter((key, i) => key === exact[i]).length;
    console.log(
      `| ${size.toLocaleString("en")} | dense: HNSW found the same entry as brute force ${agreed}/${LOOKUPS} | | | | | | | |`,
    );
  }
}

const embedder = new LocalEmbedder();
console.log(
  `node ${process.version}, local embedder, sparse in ${embedder.dimensions} dimensions, ${WORDS_PER_PROMPT}-word prompts, threshold ${THRESHOLD}\n`,
);
console.log("| what | CPU per text | wall time per text |\n| --- | --- | --- |");
embedderCost(embedder);
console.log(
  "\n| entries | search | lookups that | CPU per lookup | p50 | p99 | matched | build | heap per entry |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
);
for (const size of SIZES.length > 0 ? SIZES : [10_000, 100_000]) await measure(embedder, size);
