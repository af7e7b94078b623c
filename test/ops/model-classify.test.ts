/**
 * @jest-environment ./test/models/onnx-environment.ts
 */
/**
 * model.classify on real JPEGs through the fixture classifier (nsfw-tiny, nsfwjs labels):
 * scores of every label in json, reject reason = the label over its threshold, fixed reasons
 * for missing and undecodable images, documents judged image by image.
 */
import { modelClassify } from '../../lambdas/ops/model-classify';
import type { Outcome } from '../../core/ops/operator';
import type { Sample } from '../../core/ops/sample';
import { releaseSessions } from '../../lambdas/models/session';
import { photo } from '../fixtures/images';
import { NSFW_TINY, copyModel, jsonOf, scratch } from '../models/helpers';
import { instanceOf, kept, rejected, sampleOf } from './helpers';

const LABELS = ['drawings', 'hentai', 'neutral', 'porn', 'sexy'];
let work: Awaited<ReturnType<typeof scratch>>;
let samples: Sample[];

beforeAll(async () => {
  work = await scratch();
  process.env.VLMFLOW_MODEL_CACHE = work.dir;
  samples = await Promise.all(
    Array.from({ length: 6 }, async (_, i) =>
      sampleOf(
        {
          jpg: await photo(512, 384 - i * 16, { seed: i + 1 }),
          txt: `photo number ${i}`,
          json: JSON.stringify({ url: `https://example.com/${i}.jpg` }),
        },
        `s${i}`,
      ),
    ),
  );
});
afterAll(async () => {
  await releaseSessions();
  await work.remove();
});

/** The scores it reported (its stats), to 6 decimals as json carries them. */
const scoresOf = (outcome: Outcome<string>) =>
  Object.fromEntries(
    Object.entries((outcome.stats as { scores: Record<string, number> }).scores).map(([l, v]) => [
      l,
      Math.round(v * 1e6) / 1e6,
    ]),
  );

describe('model.classify', () => {
  it("reports every label's score as its stats and the model under `<field>_model`, keeping other fields", async () => {
    const op = await instanceOf(modelClassify, {
      model: NSFW_TINY,
      thresholds: {},
      field: 'safety',
    });
    const outcomes = await op.processBatch!(samples);
    for (const [i, outcome] of outcomes.entries()) {
      const json = jsonOf(kept(outcome));
      expect(json.url).toBe(`https://example.com/${i}.jpg`);
      expect(json.safety_model).toMatchObject({ random_weights: true });
      const scores = scoresOf(outcome);
      expect(Object.keys(scores)).toEqual(LABELS);
      expect(Object.values(scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(kept(outcome).parts.jpg).toBe(samples[i]!.parts.jpg);
    }
  });

  it('gives the same scores one at a time as in a batch', async () => {
    const op = await instanceOf(modelClassify, { model: NSFW_TINY, thresholds: {} });
    const batch = await op.processBatch!(samples);
    for (const [i, sample] of samples.entries()) {
      const single = scoresOf(await op.process(sample));
      const batched = scoresOf(batch[i]!);
      for (const label of LABELS) expect(single[label]).toBeCloseTo(batched[label]!, 5);
    }
  });

  it('rejects with the label whose score is above its threshold (the highest such label)', async () => {
    const open = await instanceOf(modelClassify, { model: NSFW_TINY, thresholds: {} });
    const scores = (await open.processBatch!(samples)).map(scoresOf);
    // Thresholds just under sample 0's two highest scores: each sample's expected reason follows.
    const [first, second] = [...LABELS].sort((a, b) => scores[0]![b]! - scores[0]![a]!);
    const thresholds = {
      [first!]: scores[0]![first!]! - 1e-4,
      [second!]: scores[0]![second!]! - 1e-4,
    };
    const op = await instanceOf(modelClassify, { model: NSFW_TINY, thresholds });
    const outcomes = await op.processBatch!(samples);
    const expected = scores.map((s) => {
      const over = Object.keys(thresholds)
        .filter((label) => s[label]! > thresholds[label]!)
        .sort((a, b) => s[b]! - s[a]!);
      return over[0];
    });
    expect(outcomes.map(rejected)).toEqual(expected);
    expect(expected[0]).toBe(first);
    const detail = outcomes[0]!.keep ? '' : outcomes[0]!.detail;
    expect(detail).toBe(`${first} ${scores[0]![first!]} > ${thresholds[first!]}`);
  });

  it('reuses its pixel buffer across batches without mixing images up', async () => {
    // A full batch fills the reused buffer; the next, smaller batch with rejects between its
    // images must score exactly what a fresh instance scores for each image alone.
    const op = await instanceOf(modelClassify, { model: NSFW_TINY, thresholds: {} });
    await op.processBatch!(samples);
    const second = [
      sampleOf({ jpg: Buffer.from('not an image') }, 'bad'),
      samples[5]!,
      sampleOf({ txt: 'no picture' }, 'none'),
      samples[2]!,
    ];
    const outcomes = await op.processBatch!(second);
    expect(outcomes.map(rejected)).toEqual(['undecodable', undefined, 'no_image', undefined]);
    const fresh = await instanceOf(modelClassify, { model: NSFW_TINY, thresholds: {} });
    for (const i of [1, 3]) {
      const alone = scoresOf(await fresh.process(second[i]!));
      const reused = scoresOf(outcomes[i]!);
      for (const label of LABELS) expect(reused[label]).toBeCloseTo(alone[label]!, 5);
    }
  });

  it('rejects no_image, undecodable and invalid_json in place, keeping the batch order', async () => {
    const op = await instanceOf(modelClassify, { model: NSFW_TINY, thresholds: {} });
    const batch = [
      sampleOf({ txt: 'no picture here' }, 'a'),
      samples[0]!,
      sampleOf({ jpg: Buffer.from('<html>not found</html>') }, 'b'),
      sampleOf({ jpg: samples[1]!.parts.jpg!, json: '[1, 2]' }, 'c'),
      samples[1]!,
    ];
    const outcomes = await op.processBatch!(batch);
    expect(outcomes.map(rejected)).toEqual([
      'no_image',
      undefined,
      'undecodable',
      'invalid_json',
      undefined,
    ]);
    expect(outcomes.map((o) => (o.keep ? o.sample.key : undefined))).toEqual([
      undefined,
      's0',
      undefined,
      undefined,
      's1',
    ]);
  });

  it('judges a document image by image: a flagged image is removed, the document kept', async () => {
    const open = await instanceOf(modelClassify, { model: NSFW_TINY, thresholds: {} });
    const score = scoresOf(await open.process(samples[2]!));
    const label = LABELS.reduce((a, b) => (score[a]! > score[b]! ? a : b));
    const op = await instanceOf(modelClassify, {
      model: NSFW_TINY,
      thresholds: { [label]: score[label]! - 1e-4 },
    });
    const doc = sampleOf(
      {
        json: JSON.stringify({ texts: ['intro', null], images: [null, 'https://x/1.jpg'] }),
        '1.jpg': samples[2]!.parts.jpg!,
      },
      'doc',
    );
    const [outcome] = await op.processBatch!([doc]);
    const json = jsonOf(kept(outcome!));
    expect(json.images).toEqual([null, null]);
    expect(json.removed_images).toEqual([
      expect.objectContaining({ position: 1, op: 'model.classify', reason: label }),
    ]);
    expect(kept(outcome!).parts['1.jpg']).toBeUndefined();
  });

  it('refuses thresholds for labels the model does not have', async () => {
    await expect(
      instanceOf(modelClassify, { model: NSFW_TINY, thresholds: { nsfw: 0.5 } }),
    ).rejects.toThrow(
      `thresholds name nsfw, not labels of model ${NSFW_TINY} (labels: drawings, hentai, neutral, porn, sexy)`,
    );
  });

  it('fails to create on a model whose graph is corrupt, naming the file', async () => {
    const dir = await copyModel(NSFW_TINY, work.dir, 'bad-graph');
    const { writeFile } = await import('node:fs/promises');
    const { createHash } = await import('node:crypto');
    const garbage = Buffer.from('not an onnx graph');
    await writeFile(`${dir}/onnx/model.onnx`, garbage);
    const { readFile } = await import('node:fs/promises');
    const sums = (await readFile(`${dir}/SHA256SUMS`, 'utf8')).replace(
      /^[0-9a-f]{64}(?= {2}onnx\/model\.onnx$)/m,
      createHash('sha256').update(garbage).digest('hex'),
    );
    await writeFile(`${dir}/SHA256SUMS`, sums);
    await expect(instanceOf(modelClassify, { model: dir })).rejects.toThrow(
      `model file onnx/model.onnx of ${dir} is not a loadable ONNX graph`,
    );
  });
});
