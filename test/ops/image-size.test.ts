import { imageSize } from '../../lambdas/ops/image-size';
import type { Sample } from '../../core/ops/sample';
import { photo, rotatedJpeg } from '../fixtures/images';
import { instanceOf, kept, processUnchanged, rejected, sampleOf } from './helpers';

/** A sample whose size is already known (as after image.decode): no image bytes are read. */
function decoded(width: number, height: number): Sample {
  return Object.freeze({
    ...sampleOf({ jpg: Buffer.alloc(0) }),
    image: Object.freeze({ ext: 'jpg', format: 'jpeg', width, height }),
  });
}

describe('image.size', () => {
  it.each([
    // DataComp defaults: shorter side >= 200, aspect ratio <= 3, longer side <= 20000
    [200, 200, undefined],
    [600, 200, undefined],
    [199, 400, 'too_small'],
    [400, 199, 'too_small'],
    [601, 200, 'bad_aspect_ratio'],
    [300, 901, 'bad_aspect_ratio'],
    [20_001, 19_000, 'too_large'],
  ] as const)('%i x %i → %s', async (width, height, reason) => {
    const op = await instanceOf(imageSize);
    const outcome = await processUnchanged(op, decoded(width, height));
    expect(rejected(outcome)).toBe(reason);
    const shorter = Math.min(width, height);
    const stats = {
      width,
      height,
      shorter_side: shorter,
      aspect_ratio: Math.max(width, height) / shorter,
    };
    // What it measured travels with the outcome either way (the report's histograms).
    expect(outcome.stats).toEqual(stats);
    if (reason)
      expect(outcome).toEqual({ keep: false, reason, detail: `${width}x${height}`, stats });
  });

  it('applies OBELICS limits when given', async () => {
    const op = await instanceOf(imageSize, { minSide: 150, maxSide: 20_000, maxAspectRatio: 2 });
    expect(rejected(await op.process(decoded(150, 300)))).toBeUndefined();
    expect(rejected(await op.process(decoded(149, 200)))).toBe('too_small');
    expect(rejected(await op.process(decoded(150, 301)))).toBe('bad_aspect_ratio');
  });

  it('checks minPixels', async () => {
    const op = await instanceOf(imageSize, { minPixels: 250_000 });
    expect(rejected(await op.process(decoded(500, 499)))).toBe('too_few_pixels');
    expect(rejected(await op.process(decoded(500, 500)))).toBeUndefined();
  });

  it('reads the header when no earlier operator did, using the displayed size', async () => {
    const op = await instanceOf(imageSize, { maxAspectRatio: 1.4 });
    const plain = sampleOf({ png: await photo(300, 220, { format: 'png' }) });
    expect(kept(await processUnchanged(op, plain))).toBe(plain);
    // Stored 420×300 with orientation 6: displayed 300 wide, 420 tall.
    const rotated = sampleOf({ jpg: await rotatedJpeg(420, 300) });
    const tall = await instanceOf(imageSize, { minSide: 300, maxAspectRatio: 1.5 });
    expect(rejected(await tall.process(rotated))).toBeUndefined();
    const narrow = await instanceOf(imageSize, { minSide: 301 });
    expect(await narrow.process(rotated)).toMatchObject({
      keep: false,
      reason: 'too_small',
      detail: '300x420',
      stats: { width: 300, height: 420 },
    });
  });

  it('rejects a sample without an image, and bytes that are not one', async () => {
    const op = await instanceOf(imageSize);
    expect(rejected(await op.process(sampleOf({ txt: 'a cat on a mat' })))).toBe('missing');
    expect(rejected(await op.process(sampleOf({ jpg: 'not an image at all' })))).toBe(
      'not_an_image',
    );
  });

  it('refuses maxSide below minSide', () => {
    expect(() => imageSize.params.parse({ minSide: 300, maxSide: 200 })).toThrow(
      /at least minSide/,
    );
  });
});
