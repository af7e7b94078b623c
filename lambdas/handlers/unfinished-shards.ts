/**
 * A stage whose Distributed Map failed (more shard failures than tolerated) never reached
 * Finalize, which is what names failed shards. Name them from the markers instead: every shard
 * of the stage's pending manifest without a stats marker failed or was not started; rerunning
 * the run id (or a redrive on AWS) completes them.
 */
import { readJson } from '../shards/json-io';
import { storageFor } from '../shards/storage';
import type { RunSummary, ShardItem } from '../../core/contracts';
import { MAX_FAILED_NAMES } from './finalize';
import { pendingManifestUri, statsUri } from '../../core/layout';

export async function withUnfinishedShards(
  summary: RunSummary,
  runRoot: string,
  stages: readonly string[],
): Promise<RunSummary> {
  const failedShards: Record<string, readonly string[]> = { ...summary.failedShards };
  for (const stage of stages) {
    if ((failedShards[stage]?.length ?? 0) > 0 || stage in summary.stages) continue;
    const items = await readJson<ShardItem[]>(pendingManifestUri(runRoot, stage)).catch(
      () => [] as ShardItem[],
    );
    const unfinished: string[] = [];
    for (const item of items) {
      const marker = statsUri(runRoot, stage, item.key);
      if (!(await storageFor(marker).exists(marker))) unfinished.push(item.key);
      if (unfinished.length >= MAX_FAILED_NAMES) break;
    }
    if (unfinished.length > 0) failedShards[stage] = unfinished;
  }
  return { ...summary, failedShards };
}
