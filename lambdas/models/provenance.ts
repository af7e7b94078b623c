/**
 * What a sample's json records about the model that judged or captioned it: the folder's URI,
 * the sha256 of its SHA256SUMS (the exact files), and `random_weights: true` for the test
 * fixtures, whose config.json says so (scripts/models/make_fixture_models.py): their verdicts
 * and captions are noise, and the output must not pass for a real model's.
 */
import { z } from 'zod';
import type { ModelFolder } from './cache';
import { readModelJson } from './config';

export interface ModelProvenance {
  readonly model: string;
  readonly sha256: string;
  readonly random_weights?: true;
}

const markerSchema = z.looseObject({ random_weights: z.boolean().optional() });

export async function provenanceOf(uri: string, folder: ModelFolder): Promise<ModelProvenance> {
  const { random_weights } = await readModelJson(folder, 'config.json', markerSchema);
  return {
    model: uri,
    sha256: folder.manifestSha256,
    ...(random_weights === true ? { random_weights: true as const } : {}),
  };
}
