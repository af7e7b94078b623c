/**
 * image.blur and image.low_information on real photographs (scikit-image), blurred copies and
 * near-uniform JPEGs: exact reasons, defaults usable with {}, bad inputs rejected with a
 * reason, the pixels image.resize decoded reused (no decode of their own), documents judged
 * image by image, in = kept + Σ rejected through the shard loop.
 */
import sharp from 'sharp';
import { imageBlur } from '../../lambdas/ops/image-blur';
import { imageLowInformation } from '../../lambdas/ops/image-low-information';
import { imageResize } from '../../lambdas/ops/image-resize';
import type { Sample } from '../../core/ops/sample';
import { brokenImages } from '../fixtures/images';
import { nearUniformJpeg, photoJpeg } from '../fixtures/quality-images';
import { skimagePhoto } from '../fixtures/skimage-photos';
import { runLoop } from '../models/helpers';
import { instanceOf, kept, processUnchanged, rejected, sampleOf } from './helpers';

let sharpPhoto: Buffer;
let blurred: Buffer;
let flat: Buffer;
let faint: Buffer;

beforeAll(async () => {
  const astronaut = await skimagePhoto('astronaut.png');
  sharpPhoto = await photoJpeg(astronaut);
  blurred = await photoJpeg(astronaut, 512, 4);
  flat = await nearUniformJpeg(1);
  faint = await nearUniformJpeg(2, { gradient: 20, noise: 4 });
});

describe('image.blur', () => {
  it('keeps a sharp photograph and rejects its blurred copy as blurry, with defaults', async () => {
    const op = await instanceOf(imageBlur, {});
    expect(kept(await processUnchanged(op, sampleOf({ jpg: sharpPhoto })))).toBeDefined();
    const outcome = await processUnchanged(op, sampleOf({ jpg: blurred }));
    expect(rejected(outcome)).toBe('blurry');
    expect(!outcome.keep && outcome.detail).toMatch(/^laplacian variance \d+\.\d < 100$/);
  });

  it('follows minVariance', async () => {
    const lenient = await instanceOf(imageBlur, { minVariance: 1 });
    expect(rejected(await lenient.process(sampleOf({ jpg: blurred })))).toBeUndefined();
    const strict = await instanceOf(imageBlur, { minVariance: 1e6 });
    expect(rejected(await strict.process(sampleOf({ jpg: sharpPhoto })))).toBe('blurry');
  });

  it('rejects missing and undecodable images with their reasons', async () => {
    const op = await instanceOf(imageBlur, {});
    const broken = await brokenImages();
    expect(rejected(await op.process(sampleOf({ txt: 'no image' })))).toBe('missing');
    for (const bytes of [broken.textBytes, broken.zeroBytes, broken.bombPng])
      expect(rejected(await op.process(sampleOf({ jpg: bytes })))).toBe('undecodable');
    // What decodes in part is judged on what decodes (image.decode is the truncation check).
    for (const bytes of [broken.truncatedJpeg, broken.truncatedPng])
      expect([undefined, 'blurry']).toContain(rejected(await op.process(sampleOf({ jpg: bytes }))));
  });
});

describe('image.low_information', () => {
  it('rejects flat and faint JPEGs (JPEG noise included), keeps photographs, with defaults', async () => {
    const op = await instanceOf(imageLowInformation, {});
    for (const bytes of [flat, faint]) {
      const outcome = await processUnchanged(op, sampleOf({ jpg: bytes }));
      expect(rejected(outcome)).toBe('low_information');
      expect(!outcome.keep && outcome.detail).toMatch(/^grey std \d+\.\d\d < 6$/);
    }
    for (const bytes of [sharpPhoto, blurred])
      expect(rejected(await op.process(sampleOf({ jpg: bytes })))).toBeUndefined();
  });

  it('rejects missing and undecodable images with their reasons', async () => {
    const op = await instanceOf(imageLowInformation, { minStd: 3 });
    expect(rejected(await op.process(sampleOf({ txt: 'x' })))).toBe('missing');
    const { textBytes } = await brokenImages();
    expect(rejected(await op.process(sampleOf({ jpg: textBytes })))).toBe('undecodable');
  });
});

describe('pixels shared along the chain', () => {
  it('reads the pixels image.resize decoded, and leaves one grey copy for the next operator', async () => {
    const resize = await instanceOf(imageResize, { longestEdge: 512 });
    const resized = kept(await resize.process(sampleOf({ jpg: sharpPhoto })));
    expect(resized.decoded).toMatchObject({ width: 512, height: 512 });
    // The image member replaced by bytes no decoder reads: a keep proves no decode happened.
    const undecodable: Sample = { ...resized, parts: { jpg: Buffer.from('not a jpeg') } };
    const blur = await instanceOf(imageBlur, {});
    const afterBlur = kept(await blur.process(undecodable));
    expect(afterBlur.grey).toMatchObject({ width: 256, height: 256 });
    const low = await instanceOf(imageLowInformation, {});
    expect(kept(await low.process(afterBlur)).grey).toBe(afterBlur.grey);
  });

  it('scores the same from decoded pixels as from the re-encoded image', async () => {
    const resize = await instanceOf(imageResize, { longestEdge: 512, quality: 95 });
    const resized = kept(await resize.process(sampleOf({ jpg: blurred })));
    const strict = await instanceOf(imageBlur, { minVariance: 1e6 });
    const fromPixels = await strict.process(resized);
    const fromBytes = await strict.process(sampleOf({ jpg: resized.parts.jpg! }));
    const variance = (o: typeof fromPixels) =>
      Number(/variance ([\d.]+)/.exec(o.keep ? '' : o.detail!)![1]);
    expect(Math.abs(variance(fromPixels) - variance(fromBytes))).toBeLessThan(2);
  });
});

describe('documents and the shard loop', () => {
  it('removes a blurred image of a document and keeps the document', async () => {
    const op = await instanceOf(imageBlur, {});
    const doc = sampleOf({
      json: JSON.stringify({ texts: ['intro', null, null], images: [null, 'a.jpg', 'b.jpg'] }),
      '1.jpg': sharpPhoto,
      '2.jpg': blurred,
    });
    const json = JSON.parse(kept(await op.process(doc)).parts.json!.toString()) as {
      images: unknown[];
      removed_images: { position: number; op: string; reason: string }[];
    };
    expect(json.images).toEqual([null, 'a.jpg', null]);
    expect(json.removed_images).toMatchObject([
      { position: 2, op: 'image.blur', reason: 'blurry' },
    ]);
  });

  it('counts in = kept + Σ rejected over a chain of resize, blur and low information', async () => {
    const { textBytes } = await brokenImages();
    const images = [sharpPhoto, blurred, flat, faint, textBytes, sharpPhoto];
    const samples = images.map((jpg, i) => sampleOf({ jpg, txt: 'a photo' }, `s${i}`));
    const { result, kept: out } = await runLoop(samples, [
      { op: 'image.resize', instance: await instanceOf(imageResize, { longestEdge: 512 }) },
      { op: 'image.blur', instance: await instanceOf(imageBlur, {}) },
      { op: 'image.low_information', instance: await instanceOf(imageLowInformation, {}) },
    ]);
    expect(result.rejected).toEqual({
      'image.resize:corrupt': 1,
      'image.blur:blurry': 3,
    });
    expect(result.in).toBe(result.kept + 4);
    expect(out.map((s) => s.key)).toEqual(['s0', 's5']);
    expect(await sharp(out[0]!.parts.jpg!).metadata()).toMatchObject({ width: 512 });
  });
});
