/**
 * What the frequency and MinHash dedups hash for a sample (malformed ones included) and how
 * resolve decides: every sample of a too-frequent URL goes; the first of a text bucket stays.
 */
import { dedupConfigOf, runDedupParams, type DedupConfig } from '../../core/dedup-spec';
import type { Sample } from '../../core/ops/sample';
import { frequencyDigest, placeSample } from '../../lambdas/handlers/dedup-hashing';
import { exactDrops, frequentDrops, type OriginRecord } from '../../lambdas/handlers/dedup-resolve';
import { mergeDrops } from '../../lambdas/handlers/dedup-drops';
import { resolveDedupConfig } from '../../lambdas/handlers/dedup-io';
import { implicitUsesOf } from '../../core/implicit-params';
import { resolveRunParams } from '../../core/run-params';
import { ParamError } from '../../core/params';
import { declarationsByKind } from '../../core/ops/operator';
import { stageLayoutOf } from '../../infra/compiler';
import dedupText from '../fixtures/pipelines/dedup-text';

const config = (args: Record<string, unknown>): DedupConfig =>
  dedupConfigOf(runDedupParams.parse(args));
const FREQUENCY = config({ mode: 'frequency' });
const MINHASH = config({ mode: 'minhash', partitions: 4 });

const sample = (key: string, parts: Record<string, string | Buffer>): Sample => ({
  key,
  parts: Object.fromEntries(
    Object.entries(parts).map(([ext, v]) => [ext, typeof v === 'string' ? Buffer.from(v) : v]),
  ),
});
const withUrl = (key: string, url: unknown) => sample(key, { json: JSON.stringify({ url }) });

describe('frequency: the key of a sample', () => {
  it('defaults to the URL, at most 10 occurrences (OBELICS)', () => {
    expect(FREQUENCY).toMatchObject({ key: 'url', maxOccurrences: 10, bands: 1 });
  });

  it('reads json url (normalised: scheme, www. and a trailing / do not count), else a url member', () => {
    const a = frequencyDigest(withUrl('a', 'https://www.Example.com/logo.png'), FREQUENCY)!;
    expect(a).toHaveLength(16);
    expect(frequencyDigest(withUrl('b', 'http://example.com/logo.png/'), FREQUENCY)).toEqual(a);
    expect(
      frequencyDigest(sample('c', { url: ' http://example.com/logo.png\n' }), FREQUENCY),
    ).toEqual(a);
    expect(frequencyDigest(withUrl('d', 'https://example.com/other.png'), FREQUENCY)).not.toEqual(
      a,
    );
  });

  it('has none for a sample without a URL, with an empty or non-string one, or with a broken json', async () => {
    for (const s of [
      sample('no-json', { txt: 'a caption' }),
      withUrl('empty', '   '),
      withUrl('number', 42),
      sample('broken', { json: '{"url": ' }),
      sample('array', { json: '["https://example.com/a.png"]' }),
    ]) {
      expect(frequencyDigest(s, FREQUENCY)).toBeUndefined();
      expect(await placeSample(s, FREQUENCY)).toEqual([]);
    }
  });

  it('with key image, is the image content hash; none without an image', () => {
    const image = config({ mode: 'frequency', key: 'image', maxOccurrences: 3 });
    const bytes = Buffer.from('not even an image, but bytes all the same');
    const a = frequencyDigest(sample('a', { jpg: bytes }), image)!;
    expect(frequencyDigest(sample('b', { png: bytes, json: '{"url":"x"}' }), image)).toEqual(a);
    expect(frequencyDigest(sample('c', { txt: 'caption only' }), image)).toBeUndefined();
    expect(frequencyDigest(sample('d', { jpg: Buffer.alloc(0) }), image)).toBeUndefined();
  });
});

describe('frequency: resolve', () => {
  const url = (n: number) => Buffer.alloc(16, n);
  const records: OriginRecord[] = [
    ...['a', 'b', 'c'].map((key) => ({ shard: 'shard-0', key, hash: url(1) })),
    ...['d', 'e'].map((key) => ({ shard: 'shard-1', key, hash: url(1) })),
    ...['f', 'g'].map((key) => ({ shard: 'shard-1', key, hash: url(2) })),
    { shard: 'shard-2', key: 'h', hash: url(3) },
  ];

  it('drops every occurrence of a key seen more than maxOccurrences times, the first included', () => {
    expect(frequentDrops(records, 2)).toEqual([
      { shard: 'shard-0', drop: { key: 'a', occurrences: 5 } },
      { shard: 'shard-0', drop: { key: 'b', occurrences: 5 } },
      { shard: 'shard-0', drop: { key: 'c', occurrences: 5 } },
      { shard: 'shard-1', drop: { key: 'd', occurrences: 5 } },
      { shard: 'shard-1', drop: { key: 'e', occurrences: 5 } },
    ]);
  });

  it('keeps a key seen exactly maxOccurrences times', () => {
    expect(frequentDrops(records, 5)).toEqual([]);
    expect(frequentDrops(records, 1).map((d) => d.drop.key)).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      'f',
      'g',
    ]);
  });

  it('merges to one drop per sample', () => {
    const merged = mergeDrops([
      { partition: 'b00-p0001', drops: frequentDrops(records, 2).map((d) => d.drop) },
    ]);
    expect(merged.get('a')).toEqual({ key: 'a', occurrences: 5 });
    expect(merged.size).toBe(5);
  });
});

describe('minhash: what a sample contributes', () => {
  const CAPTION =
    'An old red tractor parked beside a wooden barn in a field of golden wheat under a cloudy autumn sky';

  it('places one record per band (14), each in its band partition', async () => {
    const placed = await placeSample(sample('a', { txt: CAPTION }), MINHASH);
    expect(placed).toHaveLength(14);
    expect(placed.map((p) => p.partition.slice(0, 3))).toEqual(
      Array.from({ length: 14 }, (_, b) => `b${String(b).padStart(2, '0')}`),
    );
  });

  it('reads a document’s paragraphs when there is no caption', async () => {
    const doc = JSON.stringify({
      texts: [CAPTION.slice(0, 40), null, CAPTION.slice(40)],
      images: [null, 'a.jpg', null],
    });
    const placed = await placeSample(sample('doc', { json: doc }), MINHASH);
    expect(placed).toHaveLength(14);
  });

  it('has nothing to compare for a missing, empty, punctuation-only or invalid UTF-8 text', async () => {
    for (const s of [
      sample('none', { jpg: Buffer.from([0xff, 0xd8]) }),
      sample('empty', { txt: '' }),
      sample('dots', { txt: '... !!! ---' }),
      sample('latin1', { txt: Buffer.from([0x63, 0x61, 0x66, 0xe9]) }),
    ]) {
      expect(await placeSample(s, MINHASH)).toEqual([]);
    }
  });

  it('near-duplicate captions in one band bucket: the first in (shard, key) order stays', async () => {
    const texts: [string, string, string][] = [
      ['shard-0', 'a', CAPTION],
      [
        'shard-0',
        'b',
        'A kitten asleep in a cardboard box on a sunny windowsill next to a potted basil plant',
      ],
      ['shard-1', 'c', CAPTION.replace('cloudy', 'grey')],
      ['shard-1', 'd', `${CAPTION} today`],
    ];
    const byPartition = new Map<string, OriginRecord[]>();
    for (const [shard, key, text] of texts) {
      for (const placed of await placeSample(sample(key, { txt: text }), MINHASH)) {
        const list = byPartition.get(placed.partition) ?? [];
        list.push({ shard, key, hash: placed.hash });
        byPartition.set(placed.partition, list);
      }
    }
    const drops = [...byPartition.values()].flatMap((records) => exactDrops(records));
    const merged = mergeDrops([{ partition: 'all', drops: drops.map((d) => d.drop) }]);
    expect([...merged.keys()].sort()).toEqual(['c', 'd']);
    expect(merged.get('c')).toMatchObject({ keptShard: 'shard-0', keptKey: 'a' });
    expect(merged.get('d')).toMatchObject({ keptShard: 'shard-0', keptKey: 'a' });
  });
});

describe('arguments', () => {
  it('refuse options of another mode, naming the mode they belong to', () => {
    const issues = (args: Record<string, unknown>) =>
      runDedupParams.safeParse(args).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ mode: 'exact', maxOccurrences: 3 })).toEqual([
      'maxOccurrences: maxOccurrences applies to mode "frequency" only',
    ]);
    expect(issues({ mode: 'frequency', ngram: 3 })).toEqual([
      'ngram: ngram applies to mode "minhash" only',
    ]);
    expect(issues({ mode: 'minhash', maxDistance: 3 })).toEqual([
      'maxDistance: maxDistance applies to mode "phash" only',
    ]);
    expect(issues({ mode: 'frequency', maxOccurrences: 0 })?.[0]).toMatch(/^maxOccurrences: /);
    expect(issues({ mode: 'frequency', key: 'domain' })?.[0]).toMatch(/^key: /);
  });
});

describe('run parameters of a .dedup() (Plan)', () => {
  const graph = dedupText.graph;
  const operators = implicitUsesOf(graph).map(({ name, use }) => ({ name, use }));
  const specs = graph.params;
  const problemsOf = (given: Record<string, unknown>): readonly string[] => {
    try {
      resolveRunParams(specs, given, operators, declarationsByKind(dedupText.operators));
    } catch (error) {
      if (error instanceof ParamError) return error.problems;
      throw error;
    }
    return [];
  };

  it('takes its mode’s arguments as <source>.dedup.<mode>.<arg>, checked by its schema', () => {
    expect(
      problemsOf({ 'captions.dedup.minhash.bands': 20, 'both.dedup.minhash.ngram': 3 }),
    ).toEqual([]);
    expect(problemsOf({ 'captions.dedup.minhash.ngram': 0 })).toEqual([
      expect.stringMatching(
        /^params\.captions\.dedup\.minhash\.ngram: invalid for operator dedup\.run \(captions\.dedup\.minhash\): ngram: /,
      ),
    ]);
  });

  it('refuses mode, another mode’s options and arguments bound to a declared parameter', () => {
    expect(problemsOf({ 'captions.dedup.minhash.mode': 'exact' })[0]).toMatch(
      /^params\.captions\.dedup\.minhash\.mode: unknown parameter/,
    );
    expect(problemsOf({ 'frequent.dedup.frequency.ngram': 3 })[0]).toMatch(
      /^params\.frequent\.dedup\.frequency\.ngram: unknown parameter/,
    );
    expect(problemsOf({ 'frequent.dedup.frequency.maxOccurrences': 5 })).toEqual([
      'params.frequent.dedup.frequency.maxOccurrences: argument "maxOccurrences" of operator dedup.run (frequent.dedup.frequency) is bound to the pipeline parameter "maxUrlOccurrences"; set params.maxUrlOccurrences instead',
    ]);
  });

  it('are applied by the dedup handlers, over the use as written', () => {
    const [, , both] = graph.sources;
    const [frequency, minhash] = stageLayoutOf(both!).dedups;
    expect([frequency!.prefix, minhash!.prefix]).toEqual([
      'both.dedup.frequency',
      'both.dedup.minhash',
    ]);
    const params = { maxUrlOccurrences: 2, partitions: 4, 'both.dedup.minhash.rows': 4 };
    expect(resolveDedupConfig(minhash!, params, 'test')).toMatchObject({
      mode: 'minhash',
      bands: 14,
      rows: 4,
      partitions: 4,
    });
    expect(resolveDedupConfig(frequency!, params, 'test')).toMatchObject({ maxOccurrences: 2 });
  });
});
