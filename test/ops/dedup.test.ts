import sharp from 'sharp';
import {
  contentHash,
  hamming,
  hashHex,
  phash64,
  phashOfGrey,
  phashOfPixels,
} from '../../lambdas/ops/dedup-hash';
import { imageResize } from '../../lambdas/ops/image-resize';
import { dedupExact } from '../../lambdas/ops/dedup-exact';
import { dedupPhash } from '../../lambdas/ops/dedup-phash';
import { NearIndex } from '../../lambdas/ops/near-index';
import { photo, seededRandom } from '../fixtures/images';
import { instanceOf, kept, processUnchanged, sampleOf } from './helpers';

/**
 * A picture with structure at every low frequency (a random 12×9 colour grid, smoothly
 * enlarged), as photographs have; the gradient-and-waves fixtures concentrate their energy in a
 * few frequencies and leave the rest near the median, where re-encoding flips bits.
 */
async function scene(seed: number): Promise<Buffer> {
  const rand = seededRandom(seed);
  const grid = Buffer.from(Array.from({ length: 12 * 9 * 3 }, () => Math.floor(rand() * 256)));
  return sharp(grid, { raw: { width: 12, height: 9, channels: 3 } })
    .resize(640, 480, { kernel: 'cubic' })
    .jpeg({ quality: 90 })
    .toBuffer();
}

describe('hashes', () => {
  it('contentHash is the first 128 bits of SHA-256', () => {
    expect(contentHash(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223');
  });

  it('hamming counts differing bits', () => {
    expect(hamming(0n, 0n)).toBe(0);
    expect(hamming(0b1011n, 0b0001n)).toBe(2);
    expect(hamming(0xffffffffffffffffn, 0n)).toBe(64);
    expect(hashHex(0xabcn)).toBe('0000000000000abc');
  });

  it('phash64 is close for a re-encoded, resized copy and far for another picture', async () => {
    const a = await scene(1);
    const copy = await sharp(a).resize(320).jpeg({ quality: 60 }).toBuffer();
    const other = await scene(2);
    const [ha, hc, ho] = await Promise.all([phash64(a), phash64(copy), phash64(other)]);
    expect(hamming(ha, hc)).toBeLessThanOrEqual(4);
    expect(hamming(ha, ho)).toBeGreaterThan(10);
  });

  it('dedup.phash hashes the pixels image.resize decoded as the run-wide stage hashes the file', async () => {
    const resize = await instanceOf(imageResize, { longestEdge: 320 });
    for (const seed of [1, 2, 3, 4]) {
      const out = await resize.process(sampleOf({ jpg: await scene(seed) }));
      if (!out.keep || !out.sample.decoded) throw new Error('image.resize kept no pixels');
      const stored = out.sample.parts.jpg!;
      // The same function on the same pixels: phash64 decodes, then hashes the pixels.
      const { data, info } = await sharp(stored).raw().toBuffer({ resolveWithObject: true });
      const channels = info.channels as 3;
      expect(phashOfPixels({ width: info.width, height: info.height, channels, data })).toBe(
        await phash64(stored),
      );
      // Before and after the output encoder: the same picture within the default threshold.
      expect(hamming(phashOfPixels(out.sample.decoded), await phash64(stored))).toBeLessThanOrEqual(
        4,
      );
    }
  });

  it('phashOfPixels composites alpha over white and handles images under 32 px', () => {
    const white = {
      width: 2,
      height: 1,
      channels: 4 as const,
      data: Buffer.from([0, 0, 0, 0, 255, 255, 255, 255]),
    };
    const opaque = {
      width: 2,
      height: 1,
      channels: 3 as const,
      data: Buffer.from([255, 255, 255, 255, 255, 255]),
    };
    expect(phashOfPixels(white)).toBe(phashOfPixels(opaque));
  });

  it('phashOfPixels is the hash of every sampled pixel averaged into its box, at any shape', () => {
    // The definition written plainly: the stride, the box of each sampled pixel, its mean
    // colour (luma of the mean for RGB; mean luma over white when there is alpha), then the DCT
    // hash of the 32×32 grid.
    const reference = ({ width, height, channels, data }: Parameters<typeof phashOfPixels>[0]) => {
      const stride = Math.max(1, Math.floor(Math.min(width, height) / 192));
      const luma = (i: number) => {
        const v =
          channels >= 3 ? 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]! : data[i]!;
        if (channels === 1 || channels === 3) return v;
        const alpha = data[i + channels - 1]! / 255;
        return v * alpha + 255 * (1 - alpha);
      };
      const sums = Array.from({ length: 1024 }, () => [0, 0, 0]);
      const counts = new Float64Array(1024);
      for (let y = 0; y < height; y += stride)
        for (let x = 0; x < width; x += stride) {
          const box = Math.floor((y * 32) / height) * 32 + Math.floor((x * 32) / width);
          const i = (y * width + x) * channels;
          const sum = sums[box]!;
          if (channels === 3) for (let c = 0; c < 3; c++) sum[c]! += data[i + c]!;
          else sum[0]! += luma(i);
          counts[box]! += 1;
        }
      const grey = sums.map(([r, g, b], box) => {
        const n = counts[box]!;
        if (n > 0) return channels === 3 ? (0.299 * r! + 0.587 * g! + 0.114 * b!) / n : r! / n;
        const x = Math.floor((((box % 32) + 0.5) * width) / 32);
        const y = Math.floor(((Math.floor(box / 32) + 0.5) * height) / 32);
        return luma((y * width + x) * channels);
      });
      return phashOfGrey(grey);
    };
    const shapes = [
      [1, 1],
      [33, 17],
      [512, 384],
      [1000, 40],
      [50, 600],
    ] as const;
    for (const [width, height] of shapes) {
      for (const channels of [1, 2, 3, 4] as const) {
        // Smooth structure plus noise, so that coefficients sit on both sides of the median.
        const wave = Array.from({ length: width * channels }, (_, i) =>
          Math.round(128 + 100 * Math.sin((i * 6) / (width * channels))),
        );
        const data = Buffer.alloc(width * height * channels);
        for (let i = 0; i < data.length; i++)
          data[i] = wave[i % wave.length]! + (Math.imul(i, 2654435761) >>> 27);
        const pixels = { width, height, channels, data };
        // Colour sums may be taken in another order (they are whole numbers), luma's may not.
        expect(phashOfPixels(pixels)).toBe(reference(pixels));
      }
    }
  });

  it('phashOfGrey ignores a uniform change of brightness', () => {
    const grey = Uint8Array.from({ length: 1024 }, (_, i) => 100 + ((i * 7919) % 41));
    const brighter = grey.map((v) => v + 10);
    expect(phashOfGrey(brighter)).toBe(phashOfGrey(grey));
    expect(() => phashOfGrey(new Uint8Array(10))).toThrow('1024');
  });
});

describe('NearIndex', () => {
  it('finds the closest earlier hash within distance, comparing only shared bands', () => {
    const index = new NearIndex<string>(3);
    index.add(0n, 'zero');
    index.add(0b111n, 'three');
    expect(index.find(0b1n)).toEqual({ value: 'zero', distance: 1 });
    expect(index.find(0b1111n)).toEqual({ value: 'three', distance: 1 });
    expect(index.find(0xf0f0n)).toBeUndefined();
    // Bits spread over every band: distance 4 > 3.
    expect(index.find((1n << 63n) | (1n << 40n) | (1n << 20n) | 1n)).toBeUndefined();
  });
});

describe('dedup.exact', () => {
  it('keeps the first of identical images and names it in the rejection', async () => {
    const op = await instanceOf(dedupExact);
    const jpg = await photo(64, 48);
    expect(kept(await op.process(sampleOf({ jpg }, 'first')))).toBeTruthy();
    expect(await processUnchanged(op, sampleOf({ jpg: Buffer.from(jpg) }, 'second'))).toEqual({
      keep: false,
      reason: 'duplicate',
      detail: 'first',
    });
    expect(
      kept(await op.process(sampleOf({ jpg: await photo(64, 48, { seed: 9 }) }, 'third'))),
    ).toBeTruthy();
  });

  it('can compare captions, or image and caption together', async () => {
    const text = await instanceOf(dedupExact, { of: 'text' });
    expect(kept(await text.process(sampleOf({ jpg: 'a', txt: 'same' }, 'a')))).toBeTruthy();
    expect(await text.process(sampleOf({ jpg: 'b', txt: 'same' }, 'b'))).toMatchObject({
      reason: 'duplicate',
    });
    const both = await instanceOf(dedupExact, { of: 'image_and_text' });
    expect(kept(await both.process(sampleOf({ jpg: 'ab', txt: 'c' }, 'a')))).toBeTruthy();
    expect(kept(await both.process(sampleOf({ jpg: 'a', txt: 'bc' }, 'b')))).toBeTruthy();
    expect(await both.process(sampleOf({ jpg: 'ab' }, 'c'))).toMatchObject({ reason: 'missing' });
  });
});

describe('dedup.phash', () => {
  it('rejects a near copy within maxDistance, keeps distinct pictures', async () => {
    const op = await instanceOf(dedupPhash);
    const a = await photo(400, 300, { seed: 3 });
    expect(kept(await op.process(sampleOf({ jpg: a }, 'a')))).toBeTruthy();
    expect(
      kept(await op.process(sampleOf({ jpg: await photo(400, 300, { seed: 4 }) }, 'b'))),
    ).toBeTruthy();
    const copy = await sharp(a).resize(380).webp({ quality: 80 }).toBuffer();
    const outcome = await processUnchanged(op, sampleOf({ webp: copy }, 'c'));
    expect(outcome).toMatchObject({ keep: false, reason: 'near_duplicate' });
    expect(outcome.keep ? '' : outcome.detail).toMatch(/^a at distance [0-4]$/);
  });

  it('reports images it cannot decode', async () => {
    const op = await instanceOf(dedupPhash);
    expect(await op.process(sampleOf({ jpg: 'not an image' }))).toMatchObject({
      reason: 'undecodable',
    });
    expect(await op.process(sampleOf({ txt: 'no image' }))).toEqual({
      keep: false,
      reason: 'missing',
    });
  });
});
