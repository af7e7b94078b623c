/**
 * Set-up for the curate benchmark: the input shard, the event the compiled state machine sends
 * the curate handler for pairs-basic, and the per-operator timings the handler writes.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ShardEvent, ShardItem } from '../../core/contracts';
import { timingsUri } from '../../core/layout';
import { resolveParams } from '../../core/params';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import { toFilePath, toFileUri } from '../../core/uri';
import { segmentsOf } from '../../infra/compiler';
import pairsBasic from '../../pipelines/pairs-basic';

/** Every sample passes pairs-basic's text filters, so every image reaches image.resize. */
const CAPTION = Buffer.from('a photo of a mountain lake at dawn');
/** What img2dataset writes: the URL (the opt-out check reads it). */
const metadataOf = (key: string): Buffer =>
  Buffer.from(JSON.stringify({ url: `https://images.example.org/${key}.jpg` }));

/** Writes `images` as one WebDataset shard `<dir>/<key>.tar`; returns its Map item. */
export async function writeImageShard(
  dir: string,
  key: string,
  images: readonly Buffer[],
): Promise<ShardItem> {
  const file = path.join(dir, `${key}.tar`);
  const writer = new ShardWriter(file);
  for (const [i, jpg] of images.entries()) {
    const sampleKey = `${key}_${String(i).padStart(5, '0')}`;
    await writer.add({ key: sampleKey, parts: { jpg, txt: CAPTION, json: metadataOf(sampleKey) } });
  }
  await writer.close();
  return { key, uri: toFileUri(file) };
}

/**
 * The event the Distributed Map of pairs-basic's only source sends for `item`: the segments its
 * ItemSelector carries, the pipeline's parameters (defaults overlaid with `params`, as a run's
 * `--param` would), and a run folder of our own.
 */
export function pairsBasicEvent(
  runRoot: string,
  runId: string,
  item: ShardItem,
  params: Readonly<Record<string, unknown>> = {},
): ShardEvent {
  const source = pairsBasic.graph.sources[0];
  if (!source) throw new Error('pairs-basic has no source');
  return {
    task: {
      pipeline: pairsBasic.name,
      stage: source.name,
      runId,
      runRoot,
      params: resolveParams(pairsBasic.graph.params, params),
      item,
      segments: segmentsOf(source),
    },
    segment: 0,
  };
}

/** Milliseconds per operator that the handler recorded for one shard of one segment. */
export async function readOpTimings(event: ShardEvent): Promise<Record<string, number>> {
  const { runRoot, stage, item } = event.task;
  const uri = timingsUri(runRoot, stage, item.key, event.segment);
  const written = JSON.parse(await readFile(toFilePath(uri), 'utf8')) as {
    readonly ms: Record<string, number>;
  };
  return written.ms;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The same images as plain files `<dir>/<i>.jpg`, for the img2dataset resizer. */
export async function writeImageFiles(dir: string, images: readonly Buffer[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [i, jpg] of images.entries())
    await writeFile(path.join(dir, `${String(i).padStart(5, '0')}.jpg`), jpg);
  return dir;
}
