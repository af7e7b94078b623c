/**
 * Drop lists: what resolve decided for one shard in one partition, and how the filter merges
 * them. A sample may be dropped in several partitions (one per band it shares with a smaller
 * neighbour); the filter keeps the smallest winner, so the detail does not depend on which
 * partition finished first.
 */
import { joinUri } from '../../core/uri';
import { compareKeys } from './dedup-records';
import { dedupGenerationUri } from '../../core/layout';

/** A duplicate (exact, phash, minhash), or a sample whose key is too frequent (frequency). */
export type Drop = DuplicateDrop | FrequentDrop;

export interface DuplicateDrop {
  readonly key: string;
  /** The sample that stays: the smallest (shard, key) it duplicates. */
  readonly keptShard: string;
  readonly keptKey: string;
  /** phash only: Hamming distance to the kept sample. */
  readonly distance?: number;
}

export interface FrequentDrop {
  readonly key: string;
  /** How many samples of the run share its URL or image. */
  readonly occurrences: number;
}

export interface DropList {
  readonly partition: string;
  readonly drops: readonly Drop[];
}

export function dropsPrefixUri(
  runRoot: string,
  stage: string,
  generation: string,
  shard: string,
): string {
  return joinUri(dedupGenerationUri(runRoot, stage, generation), 'drops', `${shard}/`);
}

export function dropListUri(
  runRoot: string,
  stage: string,
  generation: string,
  shard: string,
  partition: string,
): string {
  return joinUri(dropsPrefixUri(runRoot, stage, generation, shard), `${partition}.json`);
}

export function compareOrigin(
  a: { shard: string; key: string },
  b: { shard: string; key: string },
): number {
  return compareKeys(a.shard, b.shard) || compareKeys(a.key, b.key);
}

/** key → the drop with the smallest kept (shard, key), then the smallest distance. */
export function mergeDrops(lists: readonly DropList[]): Map<string, Drop> {
  const byKey = new Map<string, Drop>();
  for (const list of lists) {
    for (const drop of list.drops) {
      const seen = byKey.get(drop.key);
      if (!seen || better(drop, seen)) byKey.set(drop.key, drop);
    }
  }
  return byKey;
}

function better(a: Drop, b: Drop): boolean {
  // A frequency dedup decides each sample in one partition only: nothing to choose between.
  if ('occurrences' in a || 'occurrences' in b) return false;
  const order = compareOrigin(
    { shard: a.keptShard, key: a.keptKey },
    { shard: b.keptShard, key: b.keptKey },
  );
  return order < 0 || (order === 0 && (a.distance ?? 0) < (b.distance ?? 0));
}
