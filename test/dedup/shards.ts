/**
 * Three real shards with duplicates across (and within) shards, made with sharp: exact copies
 * of the same bytes, and near copies (the same picture re-encoded at another quality, or
 * slightly resized), plus one sample rejected before the dedup and one after it.
 */
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import { toFileUri } from '../../core/uri';
import { photo } from '../fixtures/images';

const SIDE = 96;

export interface DedupCase {
  readonly shard: string;
  readonly key: string;
  readonly image: Buffer;
  readonly caption: string;
}

export async function makeDedupShards(dir: string): Promise<DedupCase[]> {
  const picture = (seed: number) => photo(SIDE, SIDE, { seed, quality: 90 });
  const [a, b, c, e, f] = await Promise.all([11, 22, 33, 44, 55].map(picture));
  const reencodedA = await sharp(a!).jpeg({ quality: 75 }).toBuffer();
  const resizedC = await sharp(c!).resize(88, 88).jpeg({ quality: 90 }).toBuffer();
  const tiny = await photo(16, 16, { seed: 66 });
  const d = await picture(77);
  const cases: DedupCase[] = [
    { shard: 'shard-0', key: 's0-a', image: a!, caption: 'a red field' },
    { shard: 'shard-0', key: 's0-b', image: b!, caption: 'a blue lake' },
    { shard: 'shard-0', key: 's0-c', image: c!, caption: 'a green hill' },
    { shard: 'shard-0', key: 's0-tiny', image: tiny, caption: 'too small to keep' },
    { shard: 'shard-0', key: 's0-d', image: d, caption: 'x' },
    { shard: 'shard-1', key: 's1-b-copy', image: b!, caption: 'the lake again' },
    { shard: 'shard-1', key: 's1-a-reencoded', image: reencodedA, caption: 'the field again' },
    { shard: 'shard-1', key: 's1-e', image: e!, caption: 'a grey road' },
    { shard: 'shard-2', key: 's2-c-resized', image: resizedC, caption: 'the hill again' },
    { shard: 'shard-2', key: 's2-e-copy', image: e!, caption: 'the road again' },
    { shard: 'shard-2', key: 's2-f', image: f!, caption: 'a white wall' },
    { shard: 'shard-2', key: 's2-g-copy-of-f', image: f!, caption: 'the wall again' },
  ];
  await mkdir(dir, { recursive: true });
  for (const shard of ['shard-0', 'shard-1', 'shard-2']) {
    const writer = new ShardWriter(toFileUri(path.join(dir, `${shard}.tar`)));
    for (const sample of cases.filter((s) => s.shard === shard)) {
      await writer.add({
        key: sample.key,
        parts: { jpg: sample.image, txt: Buffer.from(sample.caption), json: Buffer.from('{}') },
      });
    }
    await writer.close();
  }
  return cases;
}
