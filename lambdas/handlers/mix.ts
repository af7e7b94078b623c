/**
 * Mix: a weighted mixture of curated datasets, written as a manifest of shard references (no
 * sample is copied). Deterministic for a given seed.
 */
import { resolveArgs } from '../../core/ops/operator';
import { readJson, writeJson } from '../shards/json-io';
import type { DatasetRef, MixEvent } from '../../core/contracts';
import { MixError, messageOf } from '../../core/errors';
import { datasetManifestUri } from '../../core/layout';
import type {
  DatasetManifest,
  MixtureComponent,
  MixtureManifest,
  MixtureShard,
} from '../../core/manifests';
import {
  allocate,
  chooseShards,
  mixtureTotal,
  seededRandom,
  shuffled,
  streamSeed,
} from './mix-plan';

export interface MixSettings {
  readonly weights: readonly number[];
  readonly samples: number;
  readonly seed: number;
}

export async function handler(event: MixEvent): Promise<DatasetRef> {
  const settings = resolveMixSettings(event);
  const datasets = await Promise.all(
    event.inputs.map((input) => readDataset(input.dataset, input.manifestUri)),
  );
  const manifest = buildMixture(event, settings, datasets);
  const manifestUri = datasetManifestUri(event.runRoot, event.stage);
  await writeJson(manifestUri, manifest);

  const available = manifest.components.reduce((sum, c) => sum + c.available, 0);
  const upsampled = manifest.components.some((c) => c.samples > c.available);
  // in = samples available, kept = samples in the mixture. Without repetition every available
  // sample is either in the mixture or counted as "mix:not_sampled", so in = kept + rejected.
  // With upsampling some samples appear more than once and kept may exceed in; the mixture is
  // then not a partition of its inputs and nothing is counted as rejected.
  const notSampled = available - manifest.total;
  return {
    dataset: event.stage,
    manifestUri,
    shards: manifest.shards.length,
    in: available,
    kept: manifest.total,
    rejected: !upsampled && notSampled > 0 ? { 'mix:not_sampled': notSampled } : {},
    failedShards: [],
    failedShardCount: 0,
  };
}

/** Weights, samples and seed with `{$param}` references resolved, then checked. */
export function resolveMixSettings(
  event: Pick<MixEvent, 'stage' | 'inputs' | 'samples' | 'seed' | 'params'>,
): MixSettings {
  const resolve = (name: string, value: unknown): unknown => {
    try {
      return resolveArgs({ [name]: value }, event.params)[name];
    } catch (error) {
      throw new MixError(`mix "${event.stage}": ${messageOf(error)}`);
    }
  };
  const problems: string[] = [];
  const weights = event.inputs.map(({ dataset, weight }) => {
    const value = resolve(`weight of ${dataset}`, weight);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      problems.push(
        `weight of "${dataset}": expected a finite number >= 0, got ${JSON.stringify(value)}`,
      );
      return 0;
    }
    return value;
  });
  if (event.inputs.length === 0) problems.push('inputs: a mixture needs at least one dataset');
  else if (problems.length === 0 && weights.every((weight) => weight === 0))
    problems.push('weights: all are 0');
  const samples = resolve('samples', event.samples);
  if (typeof samples !== 'number' || !Number.isSafeInteger(samples) || samples < 0) {
    problems.push(
      `samples: expected an integer >= 0 (0 = as many as possible without repeating), got ${JSON.stringify(samples)}`,
    );
  }
  const seed = resolve('seed', event.seed);
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    problems.push(`seed: expected an integer, got ${JSON.stringify(seed)}`);
  }
  if (problems.length > 0) throw new MixError(`mix "${event.stage}": ${problems.join('; ')}`);
  return { weights, samples: samples as number, seed: seed as number };
}

async function readDataset(dataset: string, manifestUri: string): Promise<DatasetManifest> {
  let manifest: DatasetManifest;
  try {
    manifest = await readJson<DatasetManifest>(manifestUri);
  } catch (error) {
    throw new MixError(
      `dataset "${dataset}": cannot read its manifest ${manifestUri}: ${messageOf(error)}`,
    );
  }
  if (manifest?.kind !== 'dataset' || !Array.isArray(manifest.shards)) {
    throw new MixError(
      `dataset "${dataset}": ${manifestUri} is not a dataset manifest (kind ${JSON.stringify(manifest?.kind)})`,
    );
  }
  return manifest;
}

export function buildMixture(
  event: Pick<MixEvent, 'pipeline' | 'stage' | 'runId' | 'lineage' | 'inputs'>,
  settings: MixSettings,
  datasets: readonly DatasetManifest[],
): MixtureManifest {
  const available = datasets.map((d) => d.shards.reduce((sum, shard) => sum + shard.samples, 0));
  const total = mixtureTotal(settings.samples, available, settings.weights);
  const targets = allocate(total, settings.weights);
  const components: MixtureComponent[] = [];
  const shards: MixtureShard[] = [];
  event.inputs.forEach((input, i) => {
    components.push({
      dataset: input.dataset,
      manifestUri: input.manifestUri,
      weight: settings.weights[i]!,
      available: available[i]!,
      samples: targets[i]!,
    });
    const random = seededRandom(streamSeed(settings.seed, input.dataset));
    for (const { shard, take } of chooseShards(
      input.dataset,
      datasets[i]!.shards,
      targets[i]!,
      random,
    )) {
      shards.push({
        dataset: input.dataset,
        uri: shard.uri,
        take,
        samples: shard.samples,
        sha256: shard.sha256,
      });
    }
  });
  return {
    kind: 'mixture',
    name: event.stage,
    pipeline: event.pipeline,
    runId: event.runId,
    components,
    // Interleaved in a seeded order so that a reader streaming the list sees every dataset early.
    shards: shuffled(shards, seededRandom(streamSeed(settings.seed, '$mixture'))),
    total: targets.reduce((a, b) => a + b, 0),
    seed: settings.seed,
    lineage: event.lineage,
  };
}
