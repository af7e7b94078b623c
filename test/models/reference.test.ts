/**
 * @jest-environment ./test/models/onnx-environment.ts
 */
/**
 * The ONNX path against the PyTorch reference A's fixture script wrote (expected.json): the
 * documented pixel tensor fed straight into the model functions gives the same classifier
 * scores (to 1e-4) and the same greedy and beam-search token ids and text as transformers'
 * generate().
 */
import { captionIds, decodeCaption, loadCaptioner } from '../../lambdas/models/captioner';
import { classifyPixels, loadClassifier } from '../../lambdas/models/classifier';
import { releaseSessions } from '../../lambdas/models/session';
import { CAPTION_TINY, NSFW_TINY, expectedOf, referencePixels, scratch } from './helpers';

interface ClassifierExpected {
  input: { shape: [number, number, number, number] };
  labels: string[];
  scores: number[][];
}
interface Generated {
  max_new_tokens: number;
  num_beams: number;
  tokens: number[][];
  text: string[];
}
interface CaptionerExpected {
  input: { shape: [number, number, number, number] };
  greedy: Generated;
  beam: Generated;
}

let cache: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  cache = await scratch();
  process.env.VLMFLOW_MODEL_CACHE = cache.dir;
});
afterAll(async () => {
  await releaseSessions();
  await cache.remove();
});

it('classifies the reference tensor with the reference scores', async () => {
  const expected = expectedOf<ClassifierExpected>(NSFW_TINY);
  const [batch, , height, width] = expected.input.shape;
  const classifier = await loadClassifier(NSFW_TINY);
  expect(classifier.labels).toEqual(expected.labels);
  const scores = await classifyPixels(classifier, referencePixels(batch, height, width), batch);
  expect(scores).toHaveLength(batch);
  scores.forEach((row, b) =>
    row.forEach((score, i) => expect(Math.abs(score - expected.scores[b]![i]!)).toBeLessThan(1e-4)),
  );
});

describe.each(['greedy', 'beam'] as const)('captioner, %s', (mode) => {
  it('generates the reference token ids and text', async () => {
    const expected = expectedOf<CaptionerExpected>(CAPTION_TINY);
    const reference = expected[mode];
    const [batch, , height, width] = expected.input.shape;
    const captioner = await loadCaptioner(CAPTION_TINY);
    const ids = await captionIds(captioner, referencePixels(batch, height, width), batch, {
      maxNewTokens: reference.max_new_tokens,
      numBeams: reference.num_beams,
    });
    expect(ids).toEqual(reference.tokens);
    expect(ids.map((row) => decodeCaption(captioner, row))).toEqual(reference.text);
  });
});
