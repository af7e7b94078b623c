/**
 * A CLIP-style dual encoder in the transformers.js layout (Xenova/clip-vit-base-patch32, or
 * optimum's export): onnx/vision_model.onnx (`pixel_values` → `image_embeds`) and
 * onnx/text_model.onnx (`input_ids`, and `attention_mask` when the graph takes it →
 * `text_embeds`), CLIPImageProcessor's preprocessor_config.json, tokenizer.json. The CLIP score
 * of an image and a text is the cosine of their embeddings (transformers' `logits_per_image`
 * divided by `logit_scale.exp()`): data-juicer's and DataComp's CLIP score.
 */
import type { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { loadModelFolder, type ModelFolder } from './cache';
import { imageProcessorSchema, readModelJson } from './config';
import { assertListed, ModelError } from './manifest';
import { loadTokenizer } from './tokenizer';
import { createPreprocessor, type Preprocessor } from './preprocess';
import { assertSignature, loadOrt, sessionFor, type InferenceSession, type Ort } from './session';

export const CLIP_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/text_model.onnx',
  'onnx/vision_model.onnx',
];

export interface Clip {
  readonly folder: ModelFolder;
  readonly preprocessor: Preprocessor;
  readonly tokenizer: Tokenizer;
  readonly vision: InferenceSession;
  readonly text: InferenceSession;
  readonly ort: Ort;
  /** Most tokens a text takes (the text tower's positions), specials included. */
  readonly maxTokens: number;
}

const configSchema = z.looseObject({
  text_config: z.looseObject({ max_position_embeddings: z.number().int().positive().default(77) }),
});

const loaded = new Map<string, Promise<Clip>>();

/** The CLIP model at `uri`, loaded once per process. */
export function loadClip(uri: string): Promise<Clip> {
  let clip = loaded.get(uri);
  if (!clip) {
    clip = openClip(uri);
    clip.catch(() => loaded.delete(uri));
    loaded.set(uri, clip);
  }
  return clip;
}

async function openClip(uri: string): Promise<Clip> {
  const folder = await loadModelFolder(uri);
  assertListed(folder.files, CLIP_FILES, uri);
  const config = await readModelJson(folder, 'config.json', configSchema);
  const processor = await readModelJson(folder, 'preprocessor_config.json', imageProcessorSchema);
  const [vision, text] = await Promise.all([
    sessionFor(folder, 'onnx/vision_model.onnx'),
    sessionFor(folder, 'onnx/text_model.onnx'),
  ]);
  assertSignature(vision, folder, 'onnx/vision_model.onnx', ['pixel_values'], ['image_embeds']);
  assertSignature(text, folder, 'onnx/text_model.onnx', ['input_ids'], ['text_embeds']);
  return {
    folder,
    preprocessor: createPreprocessor(processor, `model file preprocessor_config.json of ${uri}`),
    tokenizer: await loadTokenizer(folder),
    vision,
    text,
    ort: await loadOrt(),
    maxTokens: config.text_config.max_position_embeddings,
  };
}


/**
 * Token ids and attention mask of a batch of texts, as CLIPProcessor makes them: specials added,
 * truncated to `maxTokens` keeping the closing <|endoftext|> (the token the text tower pools
 * at), padded to the longest with that same token under a zero mask.
 */
export function tokenizeTexts(
  clip: Pick<Clip, 'tokenizer' | 'maxTokens'>,
  texts: readonly string[],
): { ids: bigint[][]; mask: bigint[][] } {
  const encoded = texts.map((text) => {
    const ids = clip.tokenizer.encode(text).ids.map(Number);
    if (ids.length <= clip.maxTokens) return ids;
    return [...ids.slice(0, clip.maxTokens - 1), ids.at(-1)!];
  });
  const length = Math.max(...encoded.map((ids) => ids.length));
  const ids = encoded.map((row) => {
    const end = BigInt(row.at(-1)!);
    return [...row.map(BigInt), ...Array<bigint>(length - row.length).fill(end)];
  });
  const mask = encoded.map((row) => [
    ...Array<bigint>(row.length).fill(1n),
    ...Array<bigint>(length - row.length).fill(0n),
  ]);
  return { ids, mask };
}

/** Embeddings, one row per item, from a `[batch, dim]` output. */
function rows(values: Float32Array, batch: number, what: string, uri: string): Float32Array[] {
  if (batch === 0) return [];
  const dim = values.length / batch;
  if (!Number.isInteger(dim))
    throw new ModelError(`model ${uri}: ${what} have ${values.length} values for ${batch} items`);
  return Array.from({ length: batch }, (_, b) => values.slice(b * dim, (b + 1) * dim));
}

export async function embedImages(
  clip: Clip,
  pixels: Float32Array,
  batch: number,
): Promise<Float32Array[]> {
  if (batch === 0) return [];
  const { height, width } = clip.preprocessor;
  const input = new clip.ort.Tensor('float32', pixels.subarray(0, batch * 3 * height * width), [
    batch,
    3,
    height,
    width,
  ]);
  const { image_embeds } = await clip.vision.run({ pixel_values: input }, ['image_embeds']);
  return rows(image_embeds!.data as Float32Array, batch, 'image_embeds', clip.folder.uri);
}

export async function embedTexts(clip: Clip, texts: readonly string[]): Promise<Float32Array[]> {
  if (texts.length === 0) return [];
  const { ids, mask } = tokenizeTexts(clip, texts);
  const shape = [ids.length, ids[0]!.length];
  const feeds: Record<string, InstanceType<Ort['Tensor']>> = {
    input_ids: new clip.ort.Tensor('int64', BigInt64Array.from(ids.flat()), shape),
  };
  if (clip.text.inputNames.includes('attention_mask'))
    feeds.attention_mask = new clip.ort.Tensor('int64', BigInt64Array.from(mask.flat()), shape);
  const { text_embeds } = await clip.text.run(feeds, ['text_embeds']);
  return rows(text_embeds!.data as Float32Array, texts.length, 'text_embeds', clip.folder.uri);
}

/** Cosine similarity of two embeddings (0 when either is all zeros). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
