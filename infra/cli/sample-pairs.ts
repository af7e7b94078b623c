/**
 * The sample data `vlmflow init` writes: a folder of pictures with captions beside them
 * (`format: 'folder'`), small enough to run in seconds. The pictures are generated gradients
 * and the captions describe them as they are; besides the ordinary pairs there is one case for
 * each reject of the scaffolded pipeline (too small, too elongated, a short caption, a blocked
 * word, a file that is not an image), so its first run shows every operator at work.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';

type Rgb = readonly [number, number, number];

interface SamplePair {
  readonly name: string;
  readonly caption: string;
  /** A picture, or bytes that only claim to be one. */
  readonly picture: { width: number; height: number; from: Rgb; to: Rgb } | 'not-an-image';
}

const BLUE: Rgb = [20, 40, 140];
const ORANGE: Rgb = [240, 150, 60];

export const SAMPLE_PAIRS: readonly SamplePair[] = [
  pair(
    'dawn',
    640,
    480,
    BLUE,
    ORANGE,
    'A smooth gradient from deep blue to warm orange, like a sky at dawn',
  ),
  pair(
    'sea',
    512,
    512,
    [30, 160, 160],
    [10, 20, 70],
    'A square picture fading from teal to dark navy blue',
  ),
  pair(
    'forest',
    480,
    640,
    [190, 230, 170],
    [20, 80, 30],
    'A tall gradient from pale green to a deep forest green',
  ),
  pair(
    'dusk',
    800,
    450,
    [200, 40, 50],
    [90, 30, 120],
    'A wide gradient of red and purple tones with fine grain',
  ),
  pair(
    'sand',
    320,
    240,
    [240, 220, 150],
    [150, 110, 70],
    'A small picture fading from sand yellow to light brown',
  ),
  pair(
    'slate',
    400,
    300,
    [220, 220, 220],
    [60, 60, 60],
    'A neutral grey gradient, light in one corner and dark in the other',
  ),
  pair(
    'tiny',
    96,
    72,
    [250, 180, 200],
    [255, 255, 255],
    'A very small gradient from pink to white',
  ),
  pair('banner', 1200, 200, ORANGE, [180, 20, 20], 'A long thin banner fading from orange to red'),
  pair('terse', 400, 300, BLUE, [120, 200, 255], 'gradient'),
  pair(
    'stamped',
    400,
    300,
    BLUE,
    [200, 220, 255],
    'A blue gradient stamped with a stock photo watermark',
  ),
  {
    name: 'broken',
    caption: 'A file that says it is a JPEG picture but is not',
    picture: 'not-an-image',
  },
];

function pair(
  name: string,
  width: number,
  height: number,
  from: Rgb,
  to: Rgb,
  caption: string,
): SamplePair {
  return { name, caption, picture: { width, height, from, to } };
}

/** Writes `<name>.jpg` and `<name>.txt` for every sample pair into `dir`. */
export async function writeSamplePairs(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const { name, caption, picture } of SAMPLE_PAIRS) {
    const bytes =
      picture === 'not-an-image'
        ? Buffer.from('This file is named .jpg but holds no picture.\n')
        : await gradientJpeg(picture.width, picture.height, picture.from, picture.to);
    await writeFile(path.join(dir, `${name}.jpg`), bytes);
    await writeFile(path.join(dir, `${name}.txt`), `${caption}\n`);
  }
}

/** A diagonal gradient with a little deterministic grain, as JPEG. */
async function gradientJpeg(width: number, height: number, from: Rgb, to: Rgb): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let seed = width * 31 + height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      seed = (seed * 1103515245 + 12345) >>> 0;
      const grain = ((seed >>> 16) % 9) - 4;
      for (let c = 0; c < 3; c++) {
        const value = (from[c] ?? 0) + ((to[c] ?? 0) - (from[c] ?? 0)) * t + grain;
        pixels[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}
