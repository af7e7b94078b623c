/**
 * `vlmflow pack <folder|parquet> --out <dir>`: writes proper WebDataset shards (members grouped
 * by key, sorted, deterministic bytes) from a folder of images with captions beside them or a
 * parquet file with embedded images, for users who want tar shards rather than reading those
 * formats in every run. Reading is the sources' own (lambdas/sources); what cannot be a sample
 * is reported with its reason, not written.
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { Command } from 'commander';
import { joinUri, normaliseUri, toFilePath } from '../../core/uri';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import { readRecords, type RecordSource } from '../../lambdas/sources/records';

export interface PackResult {
  readonly shards: readonly string[];
  readonly samples: number;
  readonly rejected: Readonly<Record<string, number>>;
}

export async function pack(
  input: string,
  out: string,
  samplesPerShard: number,
): Promise<PackResult> {
  const isParquet = input.toLowerCase().endsWith('.parquet');
  const info = await stat(input).catch(() => undefined);
  if (!info) throw new Error(`${input}: no such file or folder`);
  if (!isParquet && !info.isDirectory()) {
    throw new Error(`${input}: expected a folder of images or a .parquet file`);
  }
  const uri = normaliseUri(input);
  const source: RecordSource = isParquet
    ? { format: 'parquet', key: path.basename(input).replace(/\.parquet$/i, '') }
    : { format: 'folder', key: 'folder' };
  const base = normaliseUri(out);
  const shards: string[] = [];
  const rejected: Record<string, number> = {};
  let samples = 0;
  let writer: ShardWriter | undefined;
  let inShard = 0;
  for await (const record of readRecords(isParquet ? uri : `${uri.replace(/\/$/, '')}/`, source)) {
    if (record.kind === 'invalid') {
      const reason = `${'op' in record ? record.op : 'tar'}:${record.reason}`;
      rejected[reason] = (rejected[reason] ?? 0) + 1;
      console.error(`skipped ${record.key}: ${reason} (${record.detail})`);
      continue;
    }
    if (!writer || inShard >= samplesPerShard) {
      if (writer) await writer.close();
      const name = `shard-${String(shards.length).padStart(6, '0')}.tar`;
      const shardUri = joinUri(base, name);
      writer = new ShardWriter(shardUri);
      shards.push(shardUri.startsWith('file:') ? toFilePath(shardUri) : shardUri);
      inShard = 0;
    }
    await writer.add(record.sample);
    inShard++;
    samples++;
  }
  if (writer) await writer.close();
  return { shards, samples, rejected };
}

export function registerPackCommand(program: Command): void {
  program
    .command('pack <input>')
    .description(
      'write WebDataset shards from a folder (x.jpg + x.txt/x.json) or a parquet file with embedded images',
    )
    .requiredOption('--out <dir>', 'folder for the shards (shard-000000.tar, …)')
    .option('--samples-per-shard <n>', 'samples per shard', '1000')
    .action(async (input: string, flags: { out: string; samplesPerShard: string }) => {
      const n = Number(flags.samplesPerShard);
      if (!Number.isInteger(n) || n < 1) {
        throw new Error(
          `--samples-per-shard: expected a positive integer, got "${flags.samplesPerShard}"`,
        );
      }
      console.log(JSON.stringify(await pack(input, flags.out, n), null, 2));
    });
}
