/** Shared by the handler tests: temporary run folders, real shards, real images. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Sample } from '../../core/ops/sample';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import { storageFor } from '../../lambdas/shards/storage';
import { readShard } from '../../lambdas/shards/tar-reader';
import type { ShardRecord } from '../../lambdas/shards/tar-reader';
import { toFileUri } from '../../core/uri';
import type { WrittenShard } from '../../core/contracts';
import { photo } from '../fixtures/images';

export interface TempDir {
  readonly path: string;
  readonly uri: string;
  remove(): Promise<void>;
}

export async function tempDir(): Promise<TempDir> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-handlers-'));
  return {
    path: dir,
    uri: toFileUri(dir),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function writeShard(uri: string, samples: readonly Sample[]): Promise<WrittenShard> {
  const writer = new ShardWriter(uri);
  for (const sample of samples) await writer.add(sample);
  return writer.close();
}

export async function readRecords(uri: string): Promise<ShardRecord[]> {
  const records: ShardRecord[] = [];
  for await (const record of readShard(await storageFor(uri).read(uri))) records.push(record);
  return records;
}

export async function readSamples(uri: string): Promise<Sample[]> {
  return (await readRecords(uri)).map((record) => {
    if (record.kind !== 'sample')
      throw new Error(`unexpected invalid record in ${uri}: ${record.reason}`);
    return record.sample;
  });
}

export function sampleOf(key: string, parts: Record<string, Buffer | string | object>): Sample {
  const bytes: Record<string, Buffer> = {};
  for (const [ext, value] of Object.entries(parts)) {
    bytes[ext] = Buffer.isBuffer(value)
      ? value
      : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  }
  return { key, parts: bytes };
}

/** An image–text pair that passes the default curate chain. */
export async function goodPair(key: string, seed = 1): Promise<Sample> {
  return sampleOf(key, {
    jpg: await photo(320, 240, { seed }),
    txt: 'a red boat on a calm lake at dawn',
    json: { url: `https://example.com/${key}.jpg` },
  });
}
