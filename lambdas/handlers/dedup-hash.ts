/**
 * Stage 1 of a run-scoped dedup, after the stage's earlier segments: hash every sample they
 * kept and write the records, one small file per partition, then the shard's `hashed` marker.
 * Idempotent: a retried shard finds its marker; records are rewritten with the same bytes.
 */
import { writeJson } from '../shards/json-io';
import { storageFor } from '../shards/storage';
import {
  readRecords,
  recordSourceOf,
  regroupingIfNeeded,
  type RecordSource,
} from '../sources/records';
import type { DedupConfig } from '../../core/dedup-spec';
import { mapLimit } from './concurrency';
import type { DedupHashEvent, DedupHashResult } from '../../core/dedup-contracts';
import { HASH_BYTES, placeSample } from './dedup-hashing';
import { readIfExists, resolveDedupConfig } from './dedup-io';
import { encodeRecords, type HashRecord } from './dedup-records';
import { ShardError, messageOf } from '../../core/errors';
import { dedupHashedUri, dedupRecordsUri, segmentShardUri } from '../../core/layout';
import { taggedAs } from '../../core/object-tags';

const WRITE_CONCURRENCY = 16;

export async function hashShard(event: DedupHashEvent): Promise<DedupHashResult> {
  const { task, dedup } = event;
  const { runRoot, stage, item } = task;
  const where = `stage "${stage}" shard "${item.key}" dedup hash`;
  const marker = dedupHashedUri(runRoot, dedup.name, item.key);
  const done = await readIfExists<DedupHashResult>(marker);
  if (done) return done;

  const config = resolveDedupConfig(dedup, task.params, where);
  // What the filter will read: the shard itself, or what the segment before the dedup kept.
  const input =
    dedup.segment === 0 ? item.uri : segmentShardUri(runRoot, stage, dedup.segment - 1, item.key);
  const source = recordSourceOf(task, dedup.segment);
  let hashedShard: HashedShard;
  try {
    hashedShard = await regroupingIfNeeded((regroupMaxBytes) =>
      hashRecords(input, { ...source, ...(regroupMaxBytes ? { regroupMaxBytes } : {}) }, config),
    );
  } catch (error) {
    throw new ShardError(`${where}: cannot read ${input}: ${messageOf(error)}`, { cause: error });
  }
  const { byPartition, samples, hashed } = hashedShard;
  await mapLimit([...byPartition], WRITE_CONCURRENCY, async ([partition, records]) => {
    const uri = dedupRecordsUri(runRoot, dedup.name, partition, item.key);
    await storageFor(uri).write(
      uri,
      encodeRecords(records, HASH_BYTES[config.mode]),
      taggedAs('tmp'),
    );
  });
  const result: DedupHashResult = { stage, shard: item.key, samples, hashed };
  await writeJson(marker, result, taggedAs('tmp'));
  return result;
}

interface HashedShard {
  readonly byPartition: Map<string, HashRecord[]>;
  readonly samples: number;
  readonly hashed: number;
}

async function hashRecords(
  input: string,
  source: RecordSource,
  config: DedupConfig,
): Promise<HashedShard> {
  const byPartition = new Map<string, HashRecord[]>();
  let samples = 0;
  let hashed = 0;
  for await (const record of readRecords(input, source)) {
    // Invalid tar members are rejected by the filter's shard loop; they have no content to hash.
    if (record.kind !== 'sample') continue;
    samples++;
    const placed = await placeSample(record.sample, config);
    if (placed.length > 0) hashed++;
    for (const { partition, hash } of placed) {
      const list = byPartition.get(partition) ?? [];
      list.push({ key: record.sample.key, hash });
      byPartition.set(partition, list);
    }
  }
  return { byPartition, samples, hashed };
}
