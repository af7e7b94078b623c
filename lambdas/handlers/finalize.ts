/**
 * Finalize: after a stage's Distributed Map, gather every shard's stats marker into the
 * dataset manifest. A shard without a marker failed past its retries; the dataset is made of
 * the shards that finished, and the failures are listed by name.
 */
import { isNotFound } from '../shards/not-found';
import { readJson, writeJson } from '../shards/json-io';
import { fromLocation } from '../../core/uri';
import { mapLimit } from './concurrency';
import type { DatasetRef, FinalizeEvent, ShardItem, ShardStats } from '../../core/contracts';
import { FinalizeError, messageOf } from '../../core/errors';
import { datasetManifestUri, statsUri } from '../../core/layout';
import { rejectShardsOf, type DatasetManifest, type FailedShard } from '../../core/manifests';
import { readMapFailures } from './map-failures';
import { addCounts } from './shard-loop';

/** Failed shard names returned in the state data; the manifest lists them all. */
export const MAX_FAILED_NAMES = 50;
const STATS_READ_CONCURRENCY = 32;

export async function handler(event: FinalizeEvent): Promise<DatasetRef> {
  const { stage, runRoot } = event;
  const allShardsUri = fromLocation(event.plan.allShards.Bucket, event.plan.allShards.Key);
  const items = await readJson<ShardItem[]>(allShardsUri).catch((error: unknown) => {
    throw new FinalizeError(
      `stage "${stage}": cannot read its shard list ${allShardsUri}: ${messageOf(error)}`,
    );
  });
  const stats = await mapLimit(items, STATS_READ_CONCURRENCY, (item) =>
    readStatsIfDone(runRoot, stage, item),
  );
  const failures = await readMapFailures(event.mapResult);

  const done = stats.filter((s): s is ShardStats => s !== undefined);
  const failedShards: FailedShard[] = items
    .filter((_, index) => stats[index] === undefined)
    .map((item) => ({ key: item.key, uri: item.uri, ...failures.get(item.key) }));
  const manifest = buildDatasetManifest(event, done, failedShards);
  const manifestUri = datasetManifestUri(runRoot, stage);
  await writeJson(manifestUri, manifest);

  return {
    dataset: stage,
    manifestUri,
    shards: manifest.shards.length,
    ...manifest.counts,
    failedShards: failedShards.slice(0, MAX_FAILED_NAMES).map((shard) => shard.key),
    failedShardCount: failedShards.length,
  };
}

async function readStatsIfDone(
  runRoot: string,
  stage: string,
  item: ShardItem,
): Promise<ShardStats | undefined> {
  try {
    return await readJson<ShardStats>(statsUri(runRoot, stage, item.key));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new FinalizeError(
      `stage "${stage}": cannot read the stats of shard "${item.key}": ${messageOf(error)}`,
    );
  }
}

export function buildDatasetManifest(
  event: Pick<FinalizeEvent, 'pipeline' | 'stage' | 'runId' | 'lineage'>,
  done: readonly ShardStats[],
  failedShards: readonly FailedShard[],
): DatasetManifest {
  return {
    kind: 'dataset',
    name: event.stage,
    pipeline: event.pipeline,
    runId: event.runId,
    // Shards that kept nothing stay listed (samples 0): the list accounts for every done shard.
    shards: done.map(({ shard, output }) => ({
      key: shard,
      uri: output.uri,
      samples: output.samples,
      bytes: output.bytes,
      sha256: output.sha256,
    })),
    counts: {
      in: done.reduce((sum, s) => sum + s.in, 0),
      kept: done.reduce((sum, s) => sum + s.kept, 0),
      rejected: addCounts(...done.map((s) => s.rejected)),
    },
    // Empty rejects shards say nothing; only those holding samples are listed.
    rejects: done
      .flatMap((s) => rejectShardsOf(s))
      .filter((rejects) => rejects.samples > 0)
      .map(({ uri, samples }) => ({ uri, samples })),
    failedShards,
    lineage: event.lineage,
  };
}
