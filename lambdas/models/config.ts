/**
 * The JSON files of a model folder (config.json, preprocessor_config.json,
 * generation_config.json), read with errors that name the file and the model's URI.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { modelFilePath, type ModelFolder } from './cache';
import { ModelError } from './manifest';

/** ViTImageProcessor's fields (transformers' preprocessor_config.json). */
export const imageProcessorSchema = z.object({
  do_resize: z.boolean().default(true),
  size: z.union([
    z.object({ height: z.number().int().positive(), width: z.number().int().positive() }),
    z.number().int().positive(),
  ]),
  /** PIL resample filter number (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming). */
  resample: z.number().int().min(0).max(5).default(2),
  do_rescale: z.boolean().default(true),
  rescale_factor: z.number().default(1 / 255),
  do_normalize: z.boolean().default(true),
  image_mean: z.array(z.number()).length(3).default([0.5, 0.5, 0.5]),
  image_std: z.array(z.number()).length(3).default([0.5, 0.5, 0.5]),
});
export type ImageProcessorConfig = z.output<typeof imageProcessorSchema>;

export const classifierConfigSchema = z.object({
  id2label: z.record(z.string(), z.string()),
  problem_type: z.string().nullish(),
});

/** Token ids from config.json, overridden by generation_config.json where it sets them. */
export const generationIdsSchema = z.object({
  decoder_start_token_id: z.number().int().nullish(),
  bos_token_id: z.number().int().nullish(),
  eos_token_id: z.union([z.number().int(), z.array(z.number().int())]).nullish(),
  pad_token_id: z.number().int().nullish(),
  length_penalty: z.number().nullish(),
  early_stopping: z.union([z.boolean(), z.literal('never')]).nullish(),
});

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
