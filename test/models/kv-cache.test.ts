/**
 * @jest-environment ./test/models/onnx-environment.ts
 */
/**
 * Generation with the KV cache (decoder_with_past_model.onnx) and without it (the whole prefix
 * recomputed each step): both give expected.json's greedy and beam ids, the same ids as each
 * other at batch 4, and each item the same ids alone as in the batch. Cache rows follow the
 * surviving rows (a finished greedy row leaves the cache); a folder without the with-past graph
 * falls back to recomputing; unusable cache layouts fail naming the file.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { captionIds, loadCaptioner, type Captioner } from '../../lambdas/models/captioner';
import { releaseSessions, type InferenceSession } from '../../lambdas/models/session';
import { captionGenerate } from '../../lambdas/ops/caption-generate';
import { photo } from '../fixtures/images';
import { instanceOf, kept, sampleOf } from '../ops/helpers';
import { CAPTION_TINY, copyModel, expectedOf, referencePixels, scratch } from './helpers';

interface Generated {
  max_new_tokens: number;
  num_beams: number;
  tokens: number[][];
}
interface CaptionerExpected {
  input: { shape: [number, number, number, number] };
  greedy: Generated;
  beam: Generated;
}

let work: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  work = await scratch();
  process.env.VLMFLOW_MODEL_CACHE = path.join(work.dir, 'cache');
});
afterAll(async () => {
  await releaseSessions();
  await work.remove();
});

const expected = () => expectedOf<CaptionerExpected>(CAPTION_TINY);
const settingsOf = (g: Generated, recomputePrefix: boolean) => ({
  maxNewTokens: g.max_new_tokens,
  numBeams: g.num_beams,
  recomputePrefix,
});

/** Rewrites SHA256SUMS after a test changed the folder's files. */
async function resum(dir: string, files: readonly string[]): Promise<void> {
  const lines = await Promise.all(
    files.map(async (f) => {
      const hash = createHash('sha256').update(await readFile(path.join(dir, f)));
      return `${hash.digest('hex')}  ${f}`;
    }),
  );
  await writeFile(path.join(dir, 'SHA256SUMS'), `${lines.join('\n')}\n`);
}

async function listed(dir: string): Promise<string[]> {
  const sums = await readFile(path.join(dir, 'SHA256SUMS'), 'utf8');
  return sums
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(66));
}

describe.each(['greedy', 'beam'] as const)('%s', (mode) => {
  it.each([false, true])('gives the reference ids (recomputePrefix %s)', async (recompute) => {
    const reference = expected()[mode];
    const [batch, , height, width] = expected().input.shape;
    const captioner = await loadCaptioner(CAPTION_TINY);
    expect(captioner.cached).toBeDefined();
    const pixels = referencePixels(batch, height, width);
    const ids = await captionIds(captioner, pixels, batch, settingsOf(reference, recompute));
    expect(ids).toEqual(reference.tokens);
  });

  it('gives the same ids with and without the cache at batch 4, and at batch 1', async () => {
    const reference = expected()[mode];
    const [, , height, width] = expected().input.shape;
    const captioner = await loadCaptioner(CAPTION_TINY);
    const pixels = referencePixels(4, height, width);
    const cachedIds = await captionIds(captioner, pixels, 4, settingsOf(reference, false));
    const recomputed = await captionIds(captioner, pixels, 4, settingsOf(reference, true));
    expect(cachedIds).toEqual(recomputed);
    expect(new Set(cachedIds.map((row) => row.join(' '))).size).toBeGreaterThan(1);
    const plane = 3 * height * width;
    for (let b = 0; b < 4; b++) {
      const one = pixels.slice(b * plane, (b + 1) * plane);
      for (const recompute of [false, true])
        expect(await captionIds(captioner, one, 1, settingsOf(reference, recompute))).toEqual([
          cachedIds[b],
        ]);
    }
  });
});

/** Rows of every run of `session` while `body` runs (input_ids' batch dimension). */
async function rowsOfRuns(session: InferenceSession, body: () => Promise<unknown>) {
  const rows: number[] = [];
  const run = session.run.bind(session);
  const spy = jest.spyOn(session, 'run').mockImplementation(((
    feeds: Parameters<InferenceSession['run']>[0],
    ...rest: unknown[]
  ) => {
    rows.push(feeds.input_ids!.dims[0]!);
    return (run as (...a: unknown[]) => ReturnType<InferenceSession['run']>)(feeds, ...rest);
  }) as InferenceSession['run']);
  try {
    await body();
  } finally {
    spy.mockRestore();
  }
  return rows;
}

it('runs decoder_model once, then decoder_with_past on the rows still generating', async () => {
  // Greedy reference: item 0 runs the full 12 tokens, item 1 emits EOS at its 8th step.
  const reference = expected().greedy;
  const [batch, , height, width] = expected().input.shape;
  const captioner: Captioner = await loadCaptioner(CAPTION_TINY);
  const pixels = referencePixels(batch, height, width);
  let firstRows: number[] = [];
  const pastRows = await rowsOfRuns(captioner.cached!.withPast, async () => {
    firstRows = await rowsOfRuns(captioner.cached!.first, () =>
      captionIds(captioner, pixels, batch, settingsOf(reference, false)),
    );
  });
  expect(firstRows).toEqual([2]);
  expect(pastRows).toEqual([2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1]);
});

it('falls back to recomputing the prefix when the folder has no decoder_with_past', async () => {
  const dir = await copyModel(CAPTION_TINY, work.dir, 'no-past');
  await rm(path.join(dir, 'onnx/decoder_with_past_model.onnx'));
  await resum(
    dir,
    (await listed(dir)).filter((f) => !f.includes('with_past')),
  );
  const captioner = await loadCaptioner(dir);
  expect(captioner.cached).toBeUndefined();
  const samples = await Promise.all(
    [1, 2, 3].map(async (i) => sampleOf({ jpg: await photo(256, 256, { seed: i }), txt: 'x' })),
  );
  const captions = async (model: string) => {
    const op = await instanceOf(captionGenerate, { model, maxNewTokens: 10, numBeams: 2 });
    return (await op.processBatch!(samples)).map((o) => kept(o).parts.txt!.toString());
  };
  expect(await captions(dir)).toEqual(await captions(CAPTION_TINY));
});

it('fails naming the file when decoder_with_past has no past_key_values inputs', async () => {
  const dir = await copyModel(CAPTION_TINY, work.dir, 'bad-past');
  // decoder_model.onnx under the with-past name: loads, but has no cache inputs.
  const graph = await readFile(path.join(dir, 'onnx/decoder_model.onnx'));
  await writeFile(path.join(dir, 'onnx/decoder_with_past_model.onnx'), graph);
  await resum(dir, await listed(dir));
  await expect(loadCaptioner(dir)).rejects.toThrow(
    `model file onnx/decoder_with_past_model.onnx of ${dir} has no past_key_values.{i}.key inputs`,
  );
});

it('refuses an optimum merged decoder (decoder_model_merged.onnx) with a clear error', async () => {
  const dir = await copyModel(CAPTION_TINY, work.dir, 'merged');
  const onnx = path.join(dir, 'onnx');
  await writeFile(
    path.join(onnx, 'decoder_model_merged.onnx'),
    await readFile(path.join(onnx, 'decoder_model.onnx')),
  );
  await rm(path.join(onnx, 'decoder_model.onnx'));
  await rm(path.join(onnx, 'decoder_with_past_model.onnx'));
  const files = (await listed(dir)).filter((f) => !f.startsWith('onnx/decoder'));
  await resum(dir, [...files, 'onnx/decoder_model_merged.onnx']);
  await expect(loadCaptioner(dir)).rejects.toThrow(
    `model file onnx/decoder_model_merged.onnx of ${dir}: optimum's merged decoder (use_cache_branch) is not supported`,
  );
});
