/**
 * The model folders a stack deploys into its bucket, so that a pipeline's model parameters can
 * default to them and `{}` from the console works in a fresh stack: one row per folder, keyed
 * by where it lands (`models/<name>`). A location parameter whose default is such a key gets
 * that folder deployed (CDK BucketDeployment) and, in a local run, copied into the workdir; a
 * default under `models/` that is not a row fails synth, naming the parameter.
 */
import { cp, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { PipelineGraph } from '../../core/ir';
import { MODELS_PREFIX } from './bucket-access';

/** Bucket key → folder in this repository. */
export const MODEL_ASSETS: Readonly<Record<string, string>> = {
  /** nsfwjs MobileNetV2 in ONNX (scripts/models/convert_nsfwjs.py). */
  'models/nsfw-mobilenet-v2': 'models/nsfw-mobilenet-v2',
  /** Random weights: CLIP scores are noise (they say so in `clip_score_model.random_weights`). */
  'models/clip-tiny': 'test/fixtures/models/clip-tiny',
  /** Random weights: captions are noise (they say so in `caption_model.random_weights`). */
  'models/caption-tiny': 'test/fixtures/models/caption-tiny',
  /** Random weights (`python -m resampler.tiny_models --out models`): the connector's frozen parts. */
  'models/tiny-vision': 'models/tiny-vision',
  'models/tiny-lm': 'models/tiny-lm',
};

export interface ModelAsset {
  readonly key: string;
  /** Absolute folder. */
  readonly folder: string;
  /** The parameters defaulting to it. */
  readonly params: readonly string[];
}

export function modelAssetsOf(graph: PipelineGraph, projectRoot: string): ModelAsset[] {
  const byKey = new Map<string, string[]>();
  for (const [name, spec] of Object.entries(graph.params)) {
    if (!spec.location || typeof spec.default !== 'string') continue;
    const key = spec.default.replace(/\/+$/, '');
    if (Object.hasOwn(MODEL_ASSETS, key)) byKey.set(key, [...(byKey.get(key) ?? []), name]);
    else if (key.startsWith(`${MODELS_PREFIX}/`))
      throw new Error(
        `pipeline "${graph.name}": parameter ${name} defaults to ${key}, which no stack deploys ` +
          `(deployable: ${Object.keys(MODEL_ASSETS).join(', ')}; add a row to MODEL_ASSETS in infra/cdk/model-assets.ts or default to an s3:// folder)`,
      );
  }
  return [...byKey].map(([key, params]) => ({
    key,
    folder: path.join(projectRoot, MODEL_ASSETS[key] ?? key),
    params,
  }));
}

/**
 * A local run's counterpart of the deployment: each asset copied under the data root folder,
 * unless a folder is there already (the user's own, or an earlier copy).
 */
export async function copyModelAssets(
  assets: readonly ModelAsset[],
  rootFolder: string,
): Promise<void> {
  for (const asset of assets) {
    const target = path.join(rootFolder, ...asset.key.split('/'));
    if (
      await stat(target).then(
        () => true,
        () => false,
      )
    )
      continue;
    await cp(asset.folder, target, { recursive: true });
  }
}
