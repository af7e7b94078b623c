/**
 * The dedup function (`${DedupFunctionArn}`): the stages of a run-scoped dedup, chosen by
 * `action` (docs/dedup.md). One function rather than four: they share code, sizing and IAM.
 */
import type { DedupEvent, DedupResult } from '../../core/dedup-contracts';
import { filterShard } from './dedup-filter';
import { hashShard } from './dedup-hash';
import { planDedup } from './dedup-plan';
import { resolvePartition } from './dedup-resolve';
import { ShardError } from '../../core/errors';

export async function handler(event: DedupEvent): Promise<DedupResult> {
  switch (event.action) {
    case 'hash':
      return hashShard(event);
    case 'plan':
      return planDedup(event);
    case 'resolve':
      return resolvePartition(event);
    case 'filter':
      return filterShard(event);
    default:
      throw new ShardError(
        `dedup: unknown action ${JSON.stringify((event as { action?: unknown }).action)}`,
      );
  }
}
