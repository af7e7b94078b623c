/**
 * @jest-environment ./test/models/onnx-environment.ts
 */
/**
 * The shard loop with a batching operator: per-sample operators before and after it, rejects
 * before, inside and after the batch, deferred work still settled first; output order = input
 * order, counts balance (in = kept + Σ rejected), timings per operator; and the model
 * operators themselves through the loop.
 */
import type { ChainLink } from '../../lambdas/handlers/shard-loop';
import { captionGenerate } from '../../lambdas/ops/caption-generate';
import { imageDecode } from '../../lambdas/ops/image-decode';
import { modelClassify } from '../../lambdas/ops/model-classify';
import type { OperatorInstance, Outcome } from '../../core/ops/operator';
import type { Sample } from '../../core/ops/sample';
import { textLength } from '../../lambdas/ops/text-length';
import { releaseSessions } from '../../lambdas/models/session';
import { photo, truncate } from '../fixtures/images';
import { instanceOf, sampleOf } from '../ops/helpers';
import { CAPTION_TINY, NSFW_TINY, jsonOf, runLoop, scratch } from './helpers';

/** Rejects keys listed in `drop`, tags the rest; records the size of every batch it gets. */
function recorder(batchSize: number, drop: ReadonlySet<string>) {
  const batches: string[][] = [];
  const judge = (sample: Sample): Outcome<string> =>
    drop.has(sample.key)
      ? { keep: false, reason: 'dropped' }
      : { keep: true, sample: { ...sample, parts: { ...sample.parts, tag: Buffer.from('b') } } };
  const instance: OperatorInstance<string> = {
    batchSize,
    process: judge,
    processBatch: async (samples) => {
      batches.push(samples.map((s) => s.key));
      return samples.map(judge);
    },
  };
  return { instance, batches };
}

const link = (op: string, instance: OperatorInstance<string>): ChainLink => ({ op, instance });

let work: Awaited<ReturnType<typeof scratch>>;
let jpeg: Buffer;
beforeAll(async () => {
  work = await scratch();
  process.env.VLMFLOW_MODEL_CACHE = work.dir;
  jpeg = await photo(320, 240, { seed: 5 });
});
afterAll(async () => {
  await releaseSessions();
  await work.remove();
});

describe('shard loop with a batching operator', () => {
  it('batches survivors, keeps input order and balances counts', async () => {
    // 10 samples: s1, s4, s7 too short for text.length; s2, s8 dropped by the batch op;
    // s5 has no image for the decode after the batch.
    const samples = Array.from({ length: 10 }, (_, i) =>
      sampleOf(
        i === 5
          ? { txt: 'a caption with enough words here' }
          : { jpg: jpeg, txt: i % 3 === 1 ? 'short' : 'a caption with enough words here' },
        `s${i}`,
      ),
    );
    const batching = recorder(4, new Set(['s2', 's8']));
    const chain = [
      link('text.length', await instanceOf(textLength, { minWords: 3 })),
      link('test.batch', batching.instance),
      link('image.decode', await instanceOf(imageDecode)),
    ];
    const { result, kept, rejects } = await runLoop(samples, chain);
    // Groups of 4 records; the batch op sees each group's survivors of text.length.
    expect(batching.batches).toEqual([
      ['s0', 's2', 's3'],
      ['s5', 's6'],
      ['s8', 's9'],
    ]);
    expect(kept.map((s) => s.key)).toEqual(['s0', 's3', 's6', 's9']);
    expect(kept.every((s) => s.parts.tag?.toString() === 'b')).toBe(true);
    expect(rejects.map((s) => s.key)).toEqual(['s1', 's2', 's4', 's5', 's7', 's8']);
    // Rejected samples are written as they entered the chain (no tag from the batch op).
    expect(rejects.some((s) => s.parts.tag)).toBe(false);
    expect(result).toMatchObject({
      in: 10,
      kept: 4,
      rejected: {
        'image.decode:missing': 1,
        'test.batch:dropped': 2,
        'text.length:too_short': 3,
      },
    });
    expect(result.in).toBe(result.kept + Object.values(result.rejected).reduce((a, b) => a + b));
    expect(Object.keys(result.timingsMs)).toEqual(['text.length', 'test.batch', 'image.decode']);
  });

  it('settles deferred work first when the batch op rejects, and at the end otherwise', async () => {
    const cut = truncate(await photo(320, 240, { seed: 6 }), 0.5);
    const samples = [
      sampleOf({ jpg: cut, txt: 'x' }, 'a'), // truncated and dropped: image.decode wins
      sampleOf({ jpg: cut, txt: 'x' }, 'b'), // truncated, kept by the batch op: settled at the end
      sampleOf({ jpg: jpeg, txt: 'x' }, 'c'),
    ];
    const batching = recorder(8, new Set(['a']));
    const { result, kept } = await runLoop(samples, [
      link('image.decode', await instanceOf(imageDecode)),
      link('test.batch', batching.instance),
    ]);
    expect(batching.batches).toEqual([['a', 'b', 'c']]);
    expect(kept.map((s) => s.key)).toEqual(['c']);
    expect(kept[0]!.deferred).toBeUndefined();
    expect(result.rejected).toEqual({ 'image.decode:truncated': 2 });
  });

  it('fails the shard, naming the op and the samples, when a batch returns the wrong count', async () => {
    const broken: OperatorInstance<string> = {
      batchSize: 2,
      process: (sample) => ({ keep: true, sample }),
      processBatch: async (samples) => samples.slice(1).map((sample) => ({ keep: true, sample })),
    };
    await expect(
      runLoop([sampleOf({ txt: 'a' }, 'x'), sampleOf({ txt: 'b' }, 'y')], [link('bad', broken)]),
    ).rejects.toThrow('operator bad returned 1 outcomes for 2 samples ("x", "y")');
  });
});

describe('model operators through the shard loop', () => {
  it('classify then caption, batched, with rejects before, inside and after: counts balance', async () => {
    const images = await Promise.all(
      Array.from({ length: 9 }, (_, i) => photo(512, 512, { seed: 40 + i })),
    );
    const samples = images.map((jpg, i) =>
      sampleOf(
        i === 3
          ? { txt: 'no image but words enough here' }
          : { jpg, txt: i === 6 ? 'tiny' : `an original caption ${i}` },
        `m${i}`,
      ),
    );
    const open = await instanceOf(modelClassify, { model: NSFW_TINY, thresholds: {} });
    const porn = (await open.processBatch!(samples)).map((o) =>
      o.keep ? (o.stats as { scores: Record<string, number> }).scores.porn! : -1,
    );
    const cut = [...porn].sort((a, b) => b - a)[2]!; // the top 2 porn scores are rejected
    const chain = [
      link('text.length', await instanceOf(textLength, { minWords: 2 })),
      link(
        'model.classify',
        await instanceOf(modelClassify, {
          model: NSFW_TINY,
          thresholds: { porn: cut },
          batchSize: 3,
        }),
      ),
      link(
        'caption.generate',
        await instanceOf(captionGenerate, { model: CAPTION_TINY, batchSize: 2, maxNewTokens: 6 }),
      ),
    ];
    const { result, kept, rejects } = await runLoop(samples, chain);
    // Captions that end at once (EOS first) are empty_caption: count them with the op alone.
    const alone = await instanceOf(captionGenerate, { model: CAPTION_TINY, maxNewTokens: 6 });
    const survivors = samples.filter((s, i) => s.parts.jpg && i !== 6 && porn[i]! <= cut);
    const empty = (await alone.processBatch!(survivors)).filter((o) => !o.keep).length;
    expect(result.rejected).toEqual({
      ...(empty > 0 ? { 'caption.generate:empty_caption': empty } : {}),
      'model.classify:no_image': 1,
      'model.classify:porn': 2,
      'text.length:too_short': 1,
    });
    expect(result.in).toBe(9);
    expect(result.kept).toBe(5 - empty);
    expect(kept.length + rejects.length).toBe(9);
    expect(kept.map((s) => Number(s.key.slice(1)))).toEqual(
      [...kept.map((s) => Number(s.key.slice(1)))].sort((a, b) => a - b),
    );
    for (const sample of kept) {
      const json = jsonOf(sample);
      expect(json.alt_text).toBe(`an original caption ${sample.key.slice(1)}`);
      // The loop wrote the scores the classifier reported into the kept sample's json.
      const stats = (json.vlmflow as { stats: Record<string, { scores?: object }> }).stats;
      expect(Object.keys(stats['model.classify']!.scores!)).toHaveLength(5);
    }
  });
});
