/**
 * Three shards of captions with URLs for the frequency and MinHash dedups: one image URL on
 * three samples across the shards (http/https and `www.` variants), one on two, samples
 * without a URL or with an empty one; captions that differ by a word from an earlier one,
 * unrelated captions, an empty caption and one of symbols only.
 */
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import { toFileUri } from '../../core/uri';

export interface TextCase {
  readonly shard: string;
  readonly key: string;
  readonly caption: string;
  /** json `url`; absent: no json member. */
  readonly url?: string;
}

const LAKE =
  'A wooden rowing boat tied to a weathered jetty on a calm mountain lake at sunrise, with pine forest and snowy peaks reflected in the still water';
const MARKET =
  'Crates of oranges, lemons and limes stacked under a striped awning at a busy street market, a vendor weighing fruit on an old brass scale';
const KITTEN = 'A kitten asleep in a cardboard box on a sunny windowsill next to a basil plant';
const LOGO = 'https://cdn.example.com/assets/logo.png';
const BANNER = 'https://cdn.example.com/assets/banner.jpg';

export const TEXT_CASES: readonly TextCase[] = [
  { shard: 'shard-0', key: 's0-lake', caption: LAKE, url: LOGO },
  {
    shard: 'shard-0',
    key: 's0-market',
    caption: MARKET,
    url: 'https://photos.example.org/market.jpg',
  },
  {
    shard: 'shard-0',
    key: 's0-no-url',
    caption: 'A cyclist riding along a coastal road past white cliffs',
  },
  { shard: 'shard-0', key: 's0-empty', caption: '', url: BANNER },
  {
    shard: 'shard-1',
    key: 's1-lake-sunset',
    caption: LAKE.replace('still water', 'still lake'),
    url: 'http://www.cdn.example.com/assets/logo.png',
  },
  {
    shard: 'shard-1',
    key: 's1-bus',
    caption: 'A red double-decker bus crossing a bridge over the river on a rainy afternoon',
    url: 'http://cdn.example.com/assets/banner.jpg/',
  },
  {
    shard: 'shard-1',
    key: 's1-empty-url',
    caption: 'Close-up of a bowl of ramen with a soft-boiled egg and spring onions',
    url: '  ',
  },
  {
    shard: 'shard-1',
    key: 's1-kitten',
    caption: KITTEN,
    url: 'https://photos.example.org/kitten.jpg',
  },
  { shard: 'shard-2', key: 's2-market-copy', caption: `${MARKET} at noon`, url: LOGO },
  {
    shard: 'shard-2',
    key: 's2-symbols',
    caption: '#### $$$$ %%%% &&&& ****',
    url: 'https://photos.example.org/symbols.png',
  },
  {
    shard: 'shard-2',
    key: 's2-kitten-again',
    caption: `${KITTEN} again`,
    url: 'https://photos.example.org/kitten-2.jpg',
  },
];

export async function makeTextShards(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const shard of ['shard-0', 'shard-1', 'shard-2']) {
    const writer = new ShardWriter(toFileUri(path.join(dir, `${shard}.tar`)));
    for (const c of TEXT_CASES.filter((t) => t.shard === shard)) {
      await writer.add({
        key: c.key,
        parts: {
          txt: Buffer.from(c.caption),
          ...(c.url === undefined ? {} : { json: Buffer.from(JSON.stringify({ url: c.url })) }),
        },
      });
    }
    await writer.close();
  }
}
