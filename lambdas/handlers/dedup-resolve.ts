/**
 * Stage 2 of a run-scoped dedup, one task per partition: read that partition's records from
 * every hashed shard, decide which samples go, write one drop list per shard that loses any,
 * then the partition's `resolved` marker (written last: a resumed run skips it).
 *
 * The rule depends only on pairs, never on the order of work: a sample goes when a sample with
 * a smaller (shard, key) has the same content hash (exact), a perceptual hash within
 * maxDistance bits (phash) or the same MinHash band digest (minhash). Records arrive in
 * (shard, key) order, so the first match is the smallest. For phash and minhash, each band's
 * partitions see every pair that agrees on that band; the filter takes the union over bands
 * (docs/dedup.md, "Chains"). A frequency dedup counts: every record of a digest seen more than
 * maxOccurrences times goes, none is kept (OBELICS).
 */
import { readJson, writeJson } from '../shards/json-io';
import { storageFor } from '../shards/storage';
import { joinUri } from '../../core/uri';
import { mapLimit } from './concurrency';
import { bandLayout, bandValue } from './dedup-bands';
import type { DedupResolveEvent, DedupResolveResult } from '../../core/dedup-contracts';
import { dropListUri, type Drop } from './dedup-drops';
import { hammingDistance64 } from './dedup-hashing';
import { listNames, readIfExists } from './dedup-io';
import { compareKeys, decodeRecords } from './dedup-records';
import { dedupGenerationUri, dedupRecordsPrefixUri } from '../../core/layout';
import { taggedAs } from '../../core/object-tags';

const READ_CONCURRENCY = 32;

/** A record with its shard: what resolve holds in memory, one per sample of the partition. */
export interface OriginRecord {
  readonly shard: string;
  readonly key: string;
  readonly hash: Buffer;
}

export async function resolvePartition(event: DedupResolveEvent): Promise<DedupResolveResult> {
  const { runRoot, stage, item } = event;
  const { config, generation, name } = event.dedup;
  const generationUri = dedupGenerationUri(runRoot, name, generation);
  const marker = joinUri(generationUri, 'resolved', `${item.name}.json`);
  const done = await readIfExists<DedupResolveResult>(marker);
  if (done) return done;

  // Only the shards of this generation: a shard that crashed after writing some records but
  // before its marker is not part of it.
  const members = new Set(await readJson<string[]>(joinUri(generationUri, 'shards.json')));
  const prefix = dedupRecordsPrefixUri(runRoot, name, item.name);
  const shards = (await listNames(prefix, '.bin')).filter((s) => members.has(s)).sort(compareKeys);
  const perShard = await mapLimit(shards, READ_CONCURRENCY, async (shard) => {
    const uri = joinUri(prefix, `${shard}.bin`);
    return decodeRecords(await storageFor(uri).readBytes(uri), uri).map((r) => ({ shard, ...r }));
  });
  const records = perShard.flat();

  const drops =
    config.mode === 'phash'
      ? nearDrops(records, bandLayout(config.bands)[item.band]!, config.maxDistance)
      : config.mode === 'frequency'
        ? frequentDrops(records, config.maxOccurrences!)
        : exactDrops(records);
  const byShard = new Map<string, Drop[]>();
  for (const { shard, drop } of drops) byShard.set(shard, [...(byShard.get(shard) ?? []), drop]);
  await mapLimit([...byShard], READ_CONCURRENCY, ([shard, list]) =>
    writeJson(
      dropListUri(runRoot, name, generation, shard, item.name),
      { partition: item.name, drops: list.sort((a, b) => compareKeys(a.key, b.key)) },
      taggedAs('tmp'),
    ),
  );
  const result: DedupResolveResult = {
    stage,
    partition: item.name,
    records: records.length,
    dropped: drops.length,
  };
  await writeJson(marker, result, taggedAs('tmp'));
  return result;
}

/** Records in (shard, key) order: the first of each content hash stays. */
export function exactDrops(records: readonly OriginRecord[]): { shard: string; drop: Drop }[] {
  const first = new Map<string, OriginRecord>();
  const out: { shard: string; drop: Drop }[] = [];
  for (const record of records) {
    const hex = record.hash.toString('hex');
    const kept = first.get(hex);
    if (!kept) first.set(hex, record);
    else
      out.push({
        shard: record.shard,
        drop: { key: record.key, keptShard: kept.shard, keptKey: kept.key },
      });
  }
  return out;
}

/**
 * Every record of a digest that occurs more than `maxOccurrences` times in the run goes, the
 * first included: OBELICS removes "all images that appear more than ten times", not the extras.
 */
export function frequentDrops(
  records: readonly OriginRecord[],
  maxOccurrences: number,
): { shard: string; drop: Drop }[] {
  const keys = records.map((record) => record.hash.toString('hex'));
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return records.flatMap((record, index) => {
    const occurrences = counts.get(keys[index]!)!;
    return occurrences > maxOccurrences
      ? [{ shard: record.shard, drop: { key: record.key, occurrences } }]
      : [];
  });
}

/**
 * Records in (shard, key) order, grouped by their value in this band; within a group a record
 * goes when an earlier one is within maxDistance (the first such is the smallest).
 */
export function nearDrops(
  records: readonly OriginRecord[],
  band: { shift: number; width: number },
  maxDistance: number,
): { shard: string; drop: Drop }[] {
  const groups = new Map<bigint, OriginRecord[]>();
  for (const record of records) {
    const value = bandValue(record.hash.readBigUInt64BE(0), band);
    const group = groups.get(value);
    if (group) group.push(record);
    else groups.set(value, [record]);
  }
  const out: { shard: string; drop: Drop }[] = [];
  for (const group of groups.values()) {
    for (let i = 1; i < group.length; i++) {
      const record = group[i]!;
      for (let j = 0; j < i; j++) {
        const distance = hammingDistance64(group[j]!.hash, record.hash);
        if (distance > maxDistance) continue;
        out.push({
          shard: record.shard,
          drop: { key: record.key, keptShard: group[j]!.shard, keptKey: group[j]!.key, distance },
        });
        break;
      }
    }
  }
  return out;
}
