/**
 * @jest-environment ./test/models/onnx-environment.ts
 */
/**
 * Model JSON settings we would mis-handle are refused with a message naming the file, the
 * field and the model's URI, instead of being silently dropped; the published configs we
 * support still load.
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { forgetLoadedModelFolders } from '../../lambdas/models/cache';
import { loadCaptioner } from '../../lambdas/models/captioner';
import { loadClassifier } from '../../lambdas/models/classifier';
import { generationIdsSchema, imageProcessorSchema } from '../../lambdas/models/config';
import { releaseSessions } from '../../lambdas/models/session';
import { CAPTION_TINY, NSFW_TINY, copyModel, rewriteAllSums, scratch } from './helpers';

let work: Awaited<ReturnType<typeof scratch>>;
let n = 0;
beforeAll(async () => {
  work = await scratch();
  process.env.VLMFLOW_MODEL_CACHE = path.join(work.dir, 'cache');
});
afterAll(async () => {
  forgetLoadedModelFolders();
  await releaseSessions();
  await work.remove();
});

/** A copy of `fixture` with `changes` merged into one JSON file (undefined deletes a key). */
async function variant(
  fixture: string,
  file: string,
  changes: Record<string, unknown>,
): Promise<string> {
  const dir = await copyModel(fixture, work.dir, `variant-${++n}`);
  const json = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Record<string, unknown>;
  await writeFile(path.join(dir, file), JSON.stringify({ ...json, ...changes }));
  await rewriteAllSums(dir);
  return dir;
}

/** nlpconnect/vit-gpt2-image-captioning's preprocessor_config.json, as published. */
const VIT_GPT2 = {
  do_normalize: true,
  do_resize: true,
  feature_extractor_type: 'ViTFeatureExtractor',
  image_mean: [0.5, 0.5, 0.5],
  image_std: [0.5, 0.5, 0.5],
  resample: 2,
  size: 224,
};
/** A ViT NSFW detector's (Falconsai/nsfw_image_detection) preprocessor_config.json. */
const VIT_NSFW = {
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.5, 0.5, 0.5],
  image_processor_type: 'ViTImageProcessor',
  image_std: [0.5, 0.5, 0.5],
  resample: 2,
  rescale_factor: 0.00392156862745098,
  size: { height: 224, width: 224 },
};

describe('preprocessor_config.json', () => {
  it('accepts the published vit-gpt2 (size 224) and ViT NSFW ({height, width}) configs', () => {
    expect(imageProcessorSchema.parse(VIT_GPT2).size).toEqual({ height: 224, width: 224 });
    expect(imageProcessorSchema.parse(VIT_NSFW).size).toEqual({ height: 224, width: 224 });
    expect(
      imageProcessorSchema.parse({
        ...VIT_NSFW,
        do_convert_rgb: true,
        do_center_crop: true,
        crop_size: { height: 224, width: 224 },
      }).size,
    ).toEqual({ height: 224, width: 224 });
  });

  it("accepts CLIP's shortest edge with a centre crop of the same size (aspect kept, then cropped)", () => {
    const clip = { ...VIT_NSFW, size: { shortest_edge: 224 }, do_center_crop: true, crop_size: 224 };
    expect(imageProcessorSchema.parse(clip).size).toEqual({
      height: 224,
      width: 224,
      shortestEdge: true,
    });
    const cropped = { ...clip, crop_size: { height: 200, width: 200 } };
    expect(imageProcessorSchema.safeParse(cropped).success).toBe(false);
  });

  it.each([
    [
      { size: { shortest_edge: 224 } },
      "size: {shortest_edge: 224} is supported only with do_center_crop true and a crop_size of 224×224 (CLIP's preprocessing)",
    ],
    [
      { size: { longest_edge: 224 } },
      'size: size {longest_edge} (aspect-keeping longest_edge resize) is not supported; supported shapes: {height, width}, one integer (a square), or {shortest_edge} with a centre crop of that size',
    ],
    [
      { do_convert_rgb: false },
      'do_convert_rgb: false is not supported: images are always converted to RGB (alpha dropped, grey repeated)',
    ],
    [
      { do_center_crop: true, crop_size: { height: 16, width: 16 } },
      'do_center_crop: true with crop_size {"height":16,"width":16} is not supported: center crop is only supported when crop_size equals the resize size (32×32)',
    ],
    [
      { do_center_crop: true },
      'do_center_crop: true with crop_size null is not supported: center crop is only supported when crop_size equals the resize size (32×32)',
    ],
  ])('refuses %j naming the file and the URI', async (changes, problem) => {
    const dir = await variant(NSFW_TINY, 'preprocessor_config.json', changes);
    await expect(loadClassifier(dir)).rejects.toThrow(
      `model file preprocessor_config.json of ${dir}: ${problem}`,
    );
  });

  it('loads a classifier whose crop_size equals its resize size', async () => {
    const dir = await variant(NSFW_TINY, 'preprocessor_config.json', {
      do_center_crop: true,
      crop_size: 32,
      do_convert_rgb: true,
    });
    await expect(loadClassifier(dir)).resolves.toMatchObject({ labels: expect.any(Array) });
  });
});

describe('generation_config.json and config.json', () => {
  const unsupported = (value: string) =>
    `${value} is not supported (generation is deterministic greedy or beam search without this setting); remove it or set it to its default`;

  it.each([
    ['generation_config.json', { no_repeat_ngram_size: 3 }, 'no_repeat_ngram_size', '3'],
    ['generation_config.json', { repetition_penalty: 1.2 }, 'repetition_penalty', '1.2'],
    ['generation_config.json', { min_length: 5 }, 'min_length', '5'],
    ['generation_config.json', { min_new_tokens: 2 }, 'min_new_tokens', '2'],
    ['generation_config.json', { bad_words_ids: [[5]] }, 'bad_words_ids', '[[5]]'],
    ['generation_config.json', { forced_bos_token_id: 3 }, 'forced_bos_token_id', '3'],
    ['generation_config.json', { forced_eos_token_id: 2 }, 'forced_eos_token_id', '2'],
    ['generation_config.json', { do_sample: true }, 'do_sample', 'true'],
    ['config.json', { no_repeat_ngram_size: 2 }, 'no_repeat_ngram_size', '2'],
  ])(
    'refuses %s %j naming the file, the field and the URI',
    async (file, changes, field, value) => {
      const dir = await variant(CAPTION_TINY, file, changes);
      await expect(loadCaptioner(dir)).rejects.toThrow(
        `model file ${file} of ${dir}: ${field}: ${unsupported(value)}`,
      );
    },
  );

  it("accepts the settings' defaults, and max_length / num_beams (the operator's arguments decide those)", async () => {
    const defaults = {
      do_sample: false,
      no_repeat_ngram_size: 0,
      repetition_penalty: 1.0,
      min_length: 0,
      bad_words_ids: null,
      forced_bos_token_id: null,
      forced_eos_token_id: null,
      max_length: 20,
      num_beams: 4,
    };
    expect(generationIdsSchema.parse({ ...defaults, eos_token_id: 2 })).toEqual({
      eos_token_id: 2,
    });
    const dir = await variant(CAPTION_TINY, 'generation_config.json', defaults);
    await expect(loadCaptioner(dir)).resolves.toMatchObject({ folder: { uri: dir } });
  });
});
