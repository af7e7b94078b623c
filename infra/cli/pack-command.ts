/**
 * `vlmflow pack <folder|parquet> --out <dir>`: writes proper WebDataset shards (members grouped
 * by key, sorted, deterministic bytes) from a folder of images with captions beside them, a
 * parquet file with embedded images, or a folder of such parquet files and no images (a Hugging
 * Face dataset as downloaded), for users who want tar shards rather than reading those
 * formats in every run. Reading is the sources' own (lambdas/sources); what cannot be a sample
 * is reported with its reason, not written.
 */
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { Command } from 'commander';
import { joinUri, normaliseUri, toFilePath } from '../../core/uri';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import { FOLDER_IMAGE_EXTENSIONS } from '../../lambdas/sources/folder';
import { readRecords, type SourceRecord } from '../../lambdas/sources/records';

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
  const base = normaliseUri(out);
  const shards: string[] = [];
  const rejected: Record<string, number> = {};
  let samples = 0;
  let writer: ShardWriter | undefined;
  let inShard = 0;
  for await (const record of inputRecords(input, isParquet)) {
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

/** The records of a parquet file, of each parquet file in a folder without images, or of a folder. */
async function* inputRecords(input: string, isParquet: boolean): AsyncGenerator<SourceRecord> {
  const parquet = (file: string) =>
    readRecords(normaliseUri(file), {
      format: 'parquet',
      key: path.basename(file).replace(/\.parquet$/i, ''),
    });
  if (isParquet) return yield* parquet(input);
  const files = (await readdir(input, { recursive: true })).map(String).sort();
  const isImage = (f: string) =>
    (FOLDER_IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(f).slice(1).toLowerCase());
  const parquets = files.filter((f) => f.toLowerCase().endsWith('.parquet'));
  if (parquets.length > 0 && !files.some(isImage)) {
    for (const file of parquets) yield* parquet(path.join(input, file));
    return;
  }
  yield* readRecords(`${normaliseUri(input).replace(/\/$/, '')}/`, {
    format: 'folder',
    key: 'folder',
  });
}

export function registerPackCommand(program: Command): void {
  program
    .command('pack <input>')
    .description(
      'write WebDataset shards from a folder (x.jpg + x.txt/x.json), a parquet file with embedded images, or a folder of such parquet files',
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
