/**
 * The galleries: a few kept samples per stage and a few rejected samples per reason, read
 * from a fixed number of shards spread over the stage (never all of them), each read only as
 * far as needed. Captions and alt text come from the `txt` and `json` members.
 */
import { readShard } from '../shards/tar-reader';
import { storageFor } from '../shards/storage';
import { imagePart, jsonObjectOf, textPart, type Sample } from '../../core/ops/sample';
import type { SampleCard, ShardRef, StageAggregate, StageGalleries } from './types';
import { makeThumbnail, type ThumbnailBudget } from './thumbnails';

export interface GalleryLimits {
  readonly keptPerStage: number;
  readonly keptShards: number;
  readonly perReason: number;
  readonly rejectShards: number;
  /** Records looked at per shard before moving on. */
  readonly scanPerShard: number;
  /** Text shown per caption. */
  readonly textChars: number;
}

export const DEFAULT_GALLERY_LIMITS: GalleryLimits = {
  keptPerStage: 24,
  keptShards: 4,
  perReason: 6,
  rejectShards: 8,
  scanPerShard: 2000,
  textChars: 300,
};

export async function readGalleries(
  stage: StageAggregate,
  budget: ThumbnailBudget,
  limits: GalleryLimits = DEFAULT_GALLERY_LIMITS,
  deadline = Number.POSITIVE_INFINITY,
): Promise<StageGalleries> {
  const keptShards = spread(stage.keptShards, limits.keptShards);
  const kept: SampleCard[] = [];
  let keptShardsRead = 0;
  for (const [i, shard] of keptShards.entries()) {
    if (Date.now() > deadline || kept.length >= limits.keptPerStage) break;
    // An even share of what is still missing from each remaining shard.
    const want = Math.ceil((limits.keptPerStage - kept.length) / (keptShards.length - i));
    keptShardsRead += 1;
    let fromThisShard = 0;
    await scanShard(shard, limits.scanPerShard, async (sample) => {
      kept.push(await cardOf(sample, shard.uri, budget, limits.textChars));
      return kept.length < limits.keptPerStage && ++fromThisShard < want;
    });
  }

  const wanted = new Set(Object.keys(stage.counts.rejected));
  const rejects: Record<string, SampleCard[]> = {};
  let rejectShardsRead = 0;
  for (const shard of spread(stage.rejectShards, limits.rejectShards)) {
    if (Date.now() > deadline || wanted.size === 0) break;
    rejectShardsRead += 1;
    await scanShard(shard, limits.scanPerShard, async (sample) => {
      const tag = rejectTagOf(sample);
      const reason = tag ? `${tag.op}:${tag.reason}` : 'unknown';
      const list = (rejects[reason] ??= []);
      if (list.length < limits.perReason) {
        list.push(await cardOf(sample, shard.uri, budget, limits.textChars));
        if (list.length >= limits.perReason) wanted.delete(reason);
      }
      return wanted.size > 0;
    });
  }
  return { stage: stage.name, kept, rejects, keptShardsRead, rejectShardsRead };
}

/** Calls `visit` for each sample until it returns false or `maxRecords` were seen. */
async function scanShard(
  shard: ShardRef,
  maxRecords: number,
  visit: (sample: Sample) => Promise<boolean>,
): Promise<void> {
  const input = await storageFor(shard.uri).read(shard.uri);
  let seen = 0;
  for await (const record of readShard(input)) {
    if (++seen > maxRecords) break;
    if (record.kind !== 'sample') continue;
    if (!(await visit(record.sample))) break;
  }
}

async function cardOf(
  sample: Sample,
  shardUri: string,
  budget: ThumbnailBudget,
  textChars: number,
): Promise<SampleCard> {
  const json = jsonOf(sample);
  const text = textPart(sample)?.bytes;
  const caption = text ? clip(text.toString('utf8'), textChars) : undefined;
  const alt = json.alt_text ?? json.alt;
  const tag = rejectTagOf(sample);
  return {
    key: sample.key,
    shardUri,
    thumbnail: await makeThumbnail(imagePart(sample)?.bytes, budget),
    ...(caption !== undefined ? { caption } : {}),
    ...(typeof alt === 'string' ? { altText: clip(alt, textChars) } : {}),
    ...captionModelOf(json.caption_model),
    ...(tag ? { reject: tag } : {}),
  };
}

/** caption.generate writes `{model, sha256, …}`; a plain string (older runs, other tools) is the model. */
function captionModelOf(value: unknown): { captionModel?: string } {
  if (typeof value === 'string') return { captionModel: value };
  const model = (value as { model?: unknown } | null)?.model;
  return typeof model === 'string' ? { captionModel: model } : {};
}

function rejectTagOf(sample: Sample): SampleCard['reject'] {
  const tag = jsonOf(sample).reject;
  if (typeof tag !== 'object' || tag === null) return undefined;
  const { op, reason, detail } = tag as Record<string, unknown>;
  if (typeof op !== 'string' || typeof reason !== 'string') return undefined;
  return { op, reason, ...(typeof detail === 'string' ? { detail } : {}) };
}

function jsonOf(sample: Sample): Record<string, unknown> {
  return jsonObjectOf(sample) ?? {};
}

/** At most `n` items evenly spread over the list, first and last included. */
export function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  if (n <= 1) return items.slice(0, n);
  return Array.from(
    { length: n },
    (_, i) => items[Math.round((i * (items.length - 1)) / (n - 1))]!,
  );
}

function clip(text: string, max: number): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;
}
