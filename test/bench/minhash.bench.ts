/**
 * Benchmark (not a test): what the MinHash dedup's hash step costs per text, on captions
 * (test/fixtures/captions.ts, 3–14 words) and on 1,000-word documents: texts per CPU-second of
 * textBandDigests (words → 5-word shingles → 112 hash functions → 14 band digests), beside a
 * baseline measured in the same run, SHA-1 of each shingle alone (the per-shingle hash datatrove
 * also pays), and the ratio. Prints JSON; never fails on time.
 *
 *   node --import tsx test/bench/minhash.bench.ts [--reps 5]
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { MINHASH_DEFAULTS } from '../../core/dedup-spec';
import { shinglesOf, textBandDigests } from '../../lambdas/ops/minhash';
import { ENGLISH_CAPTIONS } from '../fixtures/captions';
import { seededRandom } from '../fixtures/images';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' } } });
const reps = Number(values.reps);

function documents(count: number, words: number): string[] {
  const rand = seededRandom(3);
  const vocabulary = ENGLISH_CAPTIONS.join(' ').toLowerCase().split(/\W+/).filter(Boolean);
  return Array.from({ length: count }, () =>
    Array.from({ length: words }, () => vocabulary[Math.floor(rand() * vocabulary.length)]).join(
      ' ',
    ),
  );
}

/** Texts per CPU-second of `work` over `texts`, the median of `reps` runs. */
function perCpuSecond(texts: readonly string[], work: (text: string) => unknown): number {
  const rates: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const start = process.cpuUsage();
    for (const text of texts) work(text);
    const used = process.cpuUsage(start);
    rates.push(texts.length / ((used.user + used.system) / 1e6));
  }
  return rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
}

const shingleHashes = (text: string) =>
  shinglesOf(text, MINHASH_DEFAULTS.ngram).map((s) => createHash('sha1').update(s).digest());

const sets = {
  captions: Array.from({ length: 20 }, () => ENGLISH_CAPTIONS).flat(),
  documents_1000_words: documents(50, 1000),
};
const out: Record<string, unknown> = { reps, shape: MINHASH_DEFAULTS };
for (const [name, texts] of Object.entries(sets)) {
  perCpuSecond(texts, (t) => textBandDigests(t, MINHASH_DEFAULTS)); // warm-up
  const minhash = perCpuSecond(texts, (t) => textBandDigests(t, MINHASH_DEFAULTS));
  const baseline = perCpuSecond(texts, shingleHashes);
  out[name] = {
    texts: texts.length,
    minhash_texts_per_cpu_s: Math.round(minhash),
    sha1_shingles_only_texts_per_cpu_s: Math.round(baseline),
    ratio_minhash_to_sha1_only: Number((minhash / baseline).toFixed(3)),
  };
}
console.log(JSON.stringify(out, null, 2));
