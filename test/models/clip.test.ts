/**
 * @jest-environment ./test/models/onnx-environment.ts
 */
/**
 * The CLIP fixture (clip-tiny: transformers CLIPModel with random weights, exported by
 * scripts/models/fixture_clip.py) through onnxruntime-node: embeddings and cosine scores equal
 * transformers' (expected.json) to 1e-4, tokens equal Python's tokenizer, CLIP's preprocessing
 * (shortest edge + centre crop); model.clip_score on real photographs and captions, documents
 * image by image against the nearest paragraph, bad inputs with their reasons.
 */
import * as path from 'node:path';
import { cosine, embedImages, embedTexts, loadClip, tokenizeTexts } from '../../lambdas/models/clip';
import { releaseSessions } from '../../lambdas/models/session';
import { modelClipScore, nearestText } from '../../lambdas/ops/model-clip-score';
import type { Outcome } from '../../core/ops/operator';
import { brokenImages } from '../fixtures/images';
import { ENGLISH_CAPTIONS } from '../fixtures/captions';
import { skimagePhoto } from '../fixtures/skimage-photos';
import { instanceOf, kept, rejected, sampleOf } from '../ops/helpers';
import { expectedOf, jsonOf, referencePixels, runLoop, scratch } from './helpers';

const CLIP_TINY = path.resolve(__dirname, '../fixtures/models/clip-tiny');
interface Expected {
  texts: string[];
  input_ids: number[][];
  attention_mask: number[][];
  image_embeds: number[][];
  text_embeds: number[][];
  cosine: number[][];
}
const expected = expectedOf<Expected>(CLIP_TINY);
let work: Awaited<ReturnType<typeof scratch>>;
let photos: Buffer[];

beforeAll(async () => {
  work = await scratch();
  process.env.VLMFLOW_MODEL_CACHE = work.dir;
  photos = await Promise.all(
    (['astronaut.png', 'coffee.png', 'chelsea.png', 'rocket.jpg'] as const).map(skimagePhoto),
  );
});
afterAll(async () => {
  await releaseSessions();
  await work.remove();
});

const maxDiff = (a: ArrayLike<number>, b: readonly number[]) =>
  Math.max(...b.map((v, i) => Math.abs(v - a[i]!)));
/** CLIPModel's outputs hold the embeddings divided by their norm. */
const unit = (v: Float32Array) => {
  const norm = Math.hypot(...v);
  return Array.from(v, (x) => x / norm);
};
const score = (outcome: Outcome<string>) => {
  kept(outcome);
  return (outcome.stats as { score: number }).score;
};

describe('CLIP fixture vs transformers', () => {
  it('tokenizes as the Python tokenizer does (specials, padding, mask)', async () => {
    const clip = await loadClip(CLIP_TINY);
    const { ids, mask } = tokenizeTexts(clip, expected.texts);
    expect(ids.map((row) => row.map(Number))).toEqual(expected.input_ids);
    expect(mask.map((row) => row.map(Number))).toEqual(expected.attention_mask);
    const long = tokenizeTexts(clip, [Array(40).fill('dog').join(' ')]).ids[0]!;
    expect(long).toHaveLength(clip.maxTokens);
    expect(long.at(-1)).toBe(BigInt(expected.input_ids[0]!.at(-1)!));
  });

  it('gives transformers’ embeddings and cosine scores to 1e-4', async () => {
    const clip = await loadClip(CLIP_TINY);
    const images = await embedImages(clip, referencePixels(2, 32, 32), 2);
    const texts = await embedTexts(clip, expected.texts);
    for (let i = 0; i < 2; i++) {
      expect(maxDiff(unit(images[i]!), expected.image_embeds[i]!)).toBeLessThan(1e-4);
      expect(maxDiff(unit(texts[i]!), expected.text_embeds[i]!)).toBeLessThan(1e-4);
      for (let j = 0; j < 2; j++)
        expect(Math.abs(cosine(images[i]!, texts[j]!) - expected.cosine[i]![j]!)).toBeLessThan(1e-4);
    }
  });

  it("preprocesses as CLIP: shortest edge to the size, then a centre crop", async () => {
    const clip = await loadClip(CLIP_TINY);
    expect([clip.preprocessor.fit, clip.preprocessor.height, clip.preprocessor.width]).toEqual(['cover', 32, 32]);
  });
});

describe('model.clip_score', () => {
  const pairs = () =>
    photos.map((jpg, i) =>
      sampleOf({ png: jpg, txt: ENGLISH_CAPTIONS[i]!, json: JSON.stringify({ url: `u${i}` }) }, `p${i}`),
    );

  it('reports the cosine score as its stat and writes the model (random weights, a fixture) into json', async () => {
    const op = await instanceOf(modelClipScore, { model: CLIP_TINY, minScore: -1 });
    for (const outcome of await op.processBatch!(pairs())) {
      const json = jsonOf(kept(outcome));
      expect(json.url).toMatch(/^u\d$/);
      expect(Math.abs(score(outcome))).toBeLessThanOrEqual(1);
      expect(json.clip_score_model).toMatchObject({ model: CLIP_TINY, random_weights: true });
    }
  });

  it('gives the same score one at a time as in a batch, and rejects below minScore', async () => {
    const open = await instanceOf(modelClipScore, { model: CLIP_TINY, minScore: -1, batchSize: 3 });
    const batch = (await open.processBatch!(pairs())).map(score);
    for (const [i, sample] of pairs().entries())
      expect(score(await open.process(sample))).toBeCloseTo(batch[i]!, 5);
    const cut = [...batch].sort((a, b) => a - b)[1]! + 1e-6;
    const strict = await instanceOf(modelClipScore, { model: CLIP_TINY, minScore: cut });
    const outcomes = await strict.processBatch!(pairs());
    expect(outcomes.map((o) => rejected(o) ?? 'kept')).toEqual(
      batch.map((s) => (s < cut ? 'low_similarity' : 'kept')),
    );
    const low = outcomes.find((o) => !o.keep)!;
    expect(!low.keep && low.detail).toMatch(new RegExp(`^-?0\\.\\d+ < ${cut}$`));
  });

  it('rejects bad inputs with their reasons, and keeps in = kept + Σ rejected', async () => {
    const { truncatedJpeg, textBytes } = await brokenImages();
    const samples = [
      sampleOf({ txt: 'no image at all' }, 'b0'),
      sampleOf({ jpg: textBytes, txt: 'not a picture' }, 'b1'),
      sampleOf({ jpg: photos[3]! }, 'b2'),
      sampleOf({ jpg: photos[3]!, txt: Buffer.from([0x61, 0xff]) }, 'b3'),
      sampleOf({ jpg: photos[3]!, txt: 'a rocket', json: '"not an object"' }, 'b4'),
      sampleOf({ jpg: truncatedJpeg.subarray(0, 40), txt: 'cut short' }, 'b5'),
      ...pairs(),
    ];
    const op = await instanceOf(modelClipScore, { model: CLIP_TINY, minScore: -1 });
    const outcomes = await op.processBatch!(samples);
    expect(outcomes.slice(0, 6).map(rejected)).toEqual([
      'no_image',
      'undecodable',
      'missing_text',
      'invalid_utf8',
      'invalid_json',
      'undecodable',
    ]);
    const { result } = await runLoop(samples, [{ op: 'model.clip_score', instance: op }]);
    expect(result.in).toBe(result.kept + Object.values(result.rejected).reduce((a, b) => a + b, 0));
    expect(result.kept).toBe(4);
  });

  it('scores each image of a document against its nearest paragraph and removes the low ones', async () => {
    const doc = sampleOf({
      json: JSON.stringify({
        texts: ['A portrait of an astronaut.', null, null, 'A cup of coffee.', null],
        images: [null, 'a.png', 'b.png', null, 'c.png'],
      }),
      '1.png': photos[0]!,
      '2.png': photos[1]!,
      '4.png': photos[1]!,
    });
    const open = await instanceOf(modelClipScore, { model: CLIP_TINY, minScore: -1 });
    const scores = (
      (await open.process(doc)).stats as {
        score: (number | null)[];
      }
    ).score;
    expect(scores.map((s) => s === null)).toEqual([true, false, false, true, false]);
    // Image 2 and image 4 are the same picture, both nearest to paragraph 3: same score.
    expect(scores[2]).toBeCloseTo(scores[4]!, 6);
    const cut = Math.max(scores[1]!, scores[2]!) - 1e-7;
    const strict = await instanceOf(modelClipScore, { model: CLIP_TINY, minScore: cut });
    const judged = jsonOf(kept(await strict.process(doc)));
    const removed = judged.removed_images as { position: number; op: string; reason: string }[];
    expect(removed.every((r) => r.op === 'model.clip_score' && r.reason === 'low_similarity')).toBe(true);
    expect(removed.length).toBeGreaterThan(0);
  });

  it('finds the nearest paragraph, the one before on a tie', () => {
    expect(nearestText(['a', null, 'b'], 1)).toBe('a');
    expect(nearestText([null, null, 'b', null], 1)).toBe('b');
    expect(nearestText(['  ', null], 1)).toBeUndefined();
  });
});
