/**
 * The JSON files of a model folder (config.json, preprocessor_config.json,
 * generation_config.json), read with errors that name the file and the model's URI.
 * Fields we do not implement are rejected when their value would change the result, never
 * silently dropped: a model that transformers would run differently fails to load instead.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { modelFilePath, type ModelFolder } from './cache';
import { ModelError } from './manifest';

const sizeSchema = z.object({
  height: z.number().int().positive(),
  width: z.number().int().positive(),
});

/**
 * preprocessor_config.json `size`: `{height, width}` or one int (both sides, as
 * ViTImageProcessor reads the published vit-gpt2 config's `size: 224`), or `{shortest_edge}`
 * (CLIPImageProcessor), which the object-level check below accepts only with a centre crop to
 * a square of that size: an aspect-keeping resize then a centre crop, i.e. sharp's `cover`.
 * `longest_edge` would need padding we do not do.
 */
const resizeSchema = z
  .unknown()
  .transform((value, ctx): z.output<typeof sizeSchema> & { readonly shortestEdge?: true } => {
    if (typeof value === 'number' && Number.isInteger(value) && value > 0)
      return { height: value, width: value };
    const parsed = sizeSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    const edge = z
      .strictObject({ shortest_edge: z.number().int().positive() })
      .safeParse(value);
    if (edge.success)
      return { height: edge.data.shortest_edge, width: edge.data.shortest_edge, shortestEdge: true };
    const keys = value !== null && typeof value === 'object' ? Object.keys(value) : [];
    ctx.addIssue({
      code: 'custom',
      message: keys.includes('longest_edge')
        ? `size {${keys.join(', ')}} (aspect-keeping longest_edge resize) is not supported; supported shapes: {height, width}, one integer (a square), or {shortest_edge} with a centre crop of that size`
        : `expected {height, width}, one positive integer or {shortest_edge}, got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  });

/** ViTImageProcessor's fields (transformers' preprocessor_config.json). */
export const imageProcessorSchema = z
  .object({
    do_resize: z.boolean().default(true),
    size: resizeSchema,
    /** PIL resample filter number (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming). */
    resample: z.number().int().min(0).max(5).default(2),
    do_rescale: z.boolean().default(true),
    rescale_factor: z.number().default(1 / 255),
    do_normalize: z.boolean().default(true),
    image_mean: z.array(z.number()).length(3).default([0.5, 0.5, 0.5]),
    image_std: z.array(z.number()).length(3).default([0.5, 0.5, 0.5]),
    // Read only to refuse what we would mis-handle (see the refinement below).
    do_convert_rgb: z.boolean().nullish(),
    do_center_crop: z.boolean().nullish(),
    crop_size: z.unknown().optional(),
  })
  .superRefine((config, ctx) => {
    if (config.do_convert_rgb === false)
      ctx.addIssue({
        code: 'custom',
        path: ['do_convert_rgb'],
        message:
          'false is not supported: images are always converted to RGB (alpha dropped, grey repeated)',
      });
    if (config.do_center_crop === true) {
      const crop = resizeSchema.safeParse(config.crop_size);
      const { height, width } = config.size;
      if (!crop.success || crop.data.height !== height || crop.data.width !== width)
        ctx.addIssue({
          code: 'custom',
          path: ['do_center_crop'],
          message: `true with crop_size ${JSON.stringify(config.crop_size ?? null)} is not supported: center crop is only supported when crop_size equals the resize size (${height}×${width})`,
        });
    } else if (config.size.shortestEdge)
      ctx.addIssue({
        code: 'custom',
        path: ['size'],
        message: `{shortest_edge: ${config.size.height}} is supported only with do_center_crop true and a crop_size of ${config.size.height}×${config.size.height} (CLIP's preprocessing)`,
      });
  });
export type ImageProcessorConfig = z.output<typeof imageProcessorSchema>;

export const classifierConfigSchema = z.object({
  id2label: z.record(z.string(), z.string()),
  problem_type: z.string().nullish(),
});

/**
 * Generation settings of config.json / generation_config.json that change the generated text
 * and that our greedy/beam search does not implement, with the value that is a no-op (the
 * transformers GenerationConfig default). Any other value is refused, naming the field.
 */
const UNSUPPORTED_GENERATION: Readonly<Record<string, (value: unknown) => boolean>> = {
  do_sample: (v) => v == null || v === false,
  no_repeat_ngram_size: (v) => v == null || v === 0,
  encoder_no_repeat_ngram_size: (v) => v == null || v === 0,
  repetition_penalty: (v) => v == null || v === 1,
  encoder_repetition_penalty: (v) => v == null || v === 1,
  min_length: (v) => v == null || v === 0,
  min_new_tokens: (v) => v == null || v === 0,
  bad_words_ids: (v) => v == null || (Array.isArray(v) && v.length === 0),
  suppress_tokens: (v) => v == null || (Array.isArray(v) && v.length === 0),
  begin_suppress_tokens: (v) => v == null || (Array.isArray(v) && v.length === 0),
  forced_bos_token_id: (v) => v == null,
  forced_eos_token_id: (v) => v == null,
};

/**
 * Token ids from config.json, overridden by generation_config.json where it sets them.
 * `max_length` and `num_beams` there are ignored on purpose: the operator's `maxNewTokens`
 * and `numBeams` arguments decide them.
 */
export const generationIdsSchema = z
  .looseObject({
    decoder_start_token_id: z.number().int().nullish(),
    bos_token_id: z.number().int().nullish(),
    eos_token_id: z.union([z.number().int(), z.array(z.number().int())]).nullish(),
    pad_token_id: z.number().int().nullish(),
    length_penalty: z.number().nullish(),
    early_stopping: z.union([z.boolean(), z.literal('never')]).nullish(),
  })
  .superRefine((config, ctx) => {
    for (const [field, isNoOp] of Object.entries(UNSUPPORTED_GENERATION)) {
      const value = (config as Record<string, unknown>)[field];
      if (!isNoOp(value))
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `${JSON.stringify(value)} is not supported (generation is deterministic greedy or beam search without this setting); remove it or set it to its default`,
        });
    }
  })
  .transform(
    ({
      decoder_start_token_id,
      bos_token_id,
      eos_token_id,
      pad_token_id,
      length_penalty,
      early_stopping,
    }) => ({
      decoder_start_token_id,
      bos_token_id,
      eos_token_id,
      pad_token_id,
      length_penalty,
      early_stopping,
    }),
  );

/** Parses a listed JSON file of the folder with `schema`. */
export async function readModelJson<S extends z.ZodType>(
  folder: ModelFolder,
  file: string,
  schema: S,
): Promise<z.output<S>> {
  const text = await readFile(modelFilePath(folder, file), 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ModelError(`model file ${file} of ${folder.uri} is not valid JSON: ${String(error)}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
    );
    throw new ModelError(`model file ${file} of ${folder.uri}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Whether SHA256SUMS lists the file (optional files: generation_config.json, decoder_with_past). */
export function hasModelFile(folder: ModelFolder, file: string): boolean {
  return folder.files.some((entry) => entry.path === file);
}
