/**
 * Between hashing and resolving: which shards are hashed (those that failed past their retries
 * are not), the generation that names this set, and the partitions still to resolve for it
 * (a resumed run skips those already resolved).
 */
import { createHash } from 'node:crypto';
import { readJson, writeJson } from '../shards/json-io';
import { fromLocation, joinUri, toLocation, toPrefixLocation } from '../../core/uri';
import type { ShardItem } from '../../core/contracts';
import type { DedupPlan, DedupPlanEvent, PartitionItem } from '../../core/dedup-contracts';
import { partitionName } from './dedup-bands';
import { listNames, resolveDedupConfig } from './dedup-io';
import type { DedupConfig } from '../../core/dedup-spec';
import { compareKeys } from './dedup-records';
import {
  dedupGenerationUri,
  dedupHashedPrefixUri,
  dedupPartitionsManifestUri,
  dedupResultsPrefixUri,
} from '../../core/layout';
import { taggedAs } from '../../core/object-tags';

export async function planDedup(event: DedupPlanEvent): Promise<DedupPlan> {
  const { runRoot, stage } = event;
  const { name } = event.dedup;
  const config = resolveDedupConfig(event.dedup, event.params, `stage "${stage}" dedup plan`);
  const items = await readJson<ShardItem[]>(
    fromLocation(event.allShards.Bucket, event.allShards.Key),
  );
  const hashed = new Set(await listNames(dedupHashedPrefixUri(runRoot, name), '.json'));
  const shards = items
    .map((item) => item.key)
    .filter((key) => hashed.has(key))
    .sort(compareKeys);
  const generation = generationOf(config, shards);
  const generationUri = dedupGenerationUri(runRoot, name, generation);
  await writeJson(joinUri(generationUri, 'shards.json'), shards, taggedAs('tmp'));

  const resolved = new Set(await listNames(joinUri(generationUri, 'resolved/'), '.json'));
  const all: PartitionItem[] = [];
  for (let band = 0; band < config.bands; band++) {
    for (let partition = 0; partition < config.partitions; partition++)
      all.push({ band, partition, name: partitionName(band, partition) });
  }
  const pending = all.filter((item) => !resolved.has(item.name));
  const manifest = dedupPartitionsManifestUri(runRoot, name);
  await writeJson(manifest, pending, taggedAs('manifest'));
  return {
    config,
    generation,
    name,
    manifest: toLocation(manifest),
    results: toPrefixLocation(dedupResultsPrefixUri(runRoot, name)),
    shards: shards.length,
    partitions: all.length,
    pending: pending.length,
  };
}

/** Same configuration and same hashed shards → same generation, so a resume reuses its work. */
export function generationOf(config: DedupConfig, shards: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify({ config, shards })).digest('hex').slice(0, 16);
}
