/** MinHash signatures and LSH bands on real captions: the estimate tracks exact Jaccard. */
import { createHash } from 'node:crypto';
import {
  bandDigests,
  estimatedJaccard,
  minhashSignature,
  shinglesOf,
  textBandDigests,
} from '../../lambdas/ops/minhash';
import { MINHASH_DEFAULTS } from '../../core/dedup-spec';

const SHAPE = MINHASH_DEFAULTS;
const COUNT = SHAPE.bands * SHAPE.rows;

const exactJaccard = (a: readonly string[], b: readonly string[]) => {
  const x = new Set(a);
  const y = new Set(b);
  const common = [...x].filter((s) => y.has(s)).length;
  return common / (x.size + y.size - common);
};

const CAPTION =
  'A wooden rowing boat tied to a weathered jetty on a calm mountain lake at sunrise, with pine forest and snowy peaks reflected in the still water';

describe('shingles', () => {
  it('are lower-cased word n-grams, punctuation ignored; a short text is one shingle', () => {
    expect(shinglesOf('The cat, the HAT; the bat!', 3)).toEqual([
      'the cat the',
      'cat the hat',
      'the hat the',
      'hat the bat',
    ]);
    expect(shinglesOf('Two words', 5)).toEqual(['two words']);
    expect(shinglesOf('  ... !!! ', 5)).toEqual([]);
    expect(minhashSignature([], COUNT)).toBeUndefined();
  });
});

describe('signature values', () => {
  it('are min over shingles of (a_i·x + b_i) mod (2^31 − 1), exactly (BigInt reference)', () => {
    const P = 2n ** 31n - 1n;
    const shingles = shinglesOf(CAPTION, 5);
    const signature = minhashSignature(shingles, COUNT)!;
    const xs = shingles.map(
      (s) => BigInt(createHash('sha1').update(s).digest().readUInt32BE(0)) % P,
    );
    for (let i = 0; i < COUNT; i++) {
      const digest = createHash('sha256').update(`vlmflow-minhash:1:${i}`).digest();
      const a = (BigInt(digest.readUInt32BE(0)) % (P - 1n)) + 1n;
      const b = BigInt(digest.readUInt32BE(4)) % P;
      const min = xs.reduce((m, x) => {
        const h = (a * x + b) % P;
        return h < m ? h : m;
      }, P);
      expect([i, signature[i]]).toEqual([i, Number(min)]);
    }
  });
});

describe('MinHash estimate', () => {
  const pairs: [string, string][] = [
    [CAPTION, CAPTION.replace('sunrise', 'sunset')],
    [CAPTION, CAPTION.replace('wooden', 'red')],
    [CAPTION, `${CAPTION} and a heron standing on the shore`],
    [
      CAPTION,
      'Close-up of a bowl of ramen with a soft-boiled egg, spring onions and sliced pork belly',
    ],
    [
      'the quick brown fox jumps over the lazy dog near the river bank today',
      'the quick brown fox jumps over the lazy cat near the river bank today',
    ],
  ];

  it.each(pairs)('is within 0.15 of the exact Jaccard of the 5-gram sets (%#)', (a, b) => {
    const sa = shinglesOf(a, SHAPE.ngram);
    const sb = shinglesOf(b, SHAPE.ngram);
    const estimate = estimatedJaccard(minhashSignature(sa, COUNT)!, minhashSignature(sb, COUNT)!);
    // 112 hash functions: standard error sqrt(J(1 − J)/112) ≤ 0.047; 0.15 is over three of them.
    expect(Math.abs(estimate - exactJaccard(sa, sb))).toBeLessThan(0.15);
  });

  it('is 1 for the same text, whatever its case and punctuation', () => {
    const a = minhashSignature(shinglesOf(CAPTION, 5), COUNT)!;
    const b = minhashSignature(shinglesOf(CAPTION.toUpperCase().replace(/,/g, ' ;'), 5), COUNT)!;
    expect(estimatedJaccard(a, b)).toBe(1);
  });
});

describe('LSH bands', () => {
  const shared = (a: string, b: string) => {
    const da = textBandDigests(a, SHAPE);
    const db = textBandDigests(b, SHAPE);
    return da.filter((d, i) => d.equals(db[i]!)).length;
  };

  it('make captions that differ by one word at the end candidates, and unrelated captions not', () => {
    expect(shared(CAPTION, CAPTION.replace('water', 'lake'))).toBeGreaterThan(0);
    expect(shared(CAPTION, `${CAPTION} today`)).toBeGreaterThan(0);
    expect(
      shared(
        CAPTION,
        'A red double-decker bus crossing a bridge over the river on a rainy afternoon in London',
      ),
    ).toBe(0);
  });

  it('are 14 digests of 16 bytes, the same on every call (fixed seed), none for an empty text', () => {
    const digests = textBandDigests(CAPTION, SHAPE);
    expect(digests).toHaveLength(14);
    expect(digests.every((d) => d.length === 16)).toBe(true);
    expect(textBandDigests(CAPTION, SHAPE).map((d) => d.toString('hex'))).toEqual(
      digests.map((d) => d.toString('hex')),
    );
    expect(textBandDigests('', SHAPE)).toEqual([]);
    const signature = minhashSignature(shinglesOf(CAPTION, 5), COUNT)!;
    expect(bandDigests(signature, SHAPE).map((d) => d.toString('hex'))).toEqual(
      digests.map((d) => d.toString('hex')),
    );
  });
});
