import { imageDecode } from '../../lambdas/ops/image-decode';
import {
  brokenImages,
  cmykJpeg,
  photo,
  rotatedJpeg,
  truncate,
  type BrokenImages,
} from '../fixtures/images';
import { instanceOf, kept, processSettled, processUnchanged, rejected, sampleOf } from './helpers';

let broken: BrokenImages;
beforeAll(async () => {
  broken = await brokenImages();
});

const decodeWith = (args: Parameters<typeof imageDecode>[0] = {}) =>
  instanceOf(imageDecode, args as object);

describe('image.decode', () => {
  it.each([
    ['jpeg', 'jpg'],
    ['png', 'png'],
    ['webp', 'webp'],
  ] as const)('keeps a %s image and records its facts', async (format, ext) => {
    const op = await decodeWith();
    const sample = sampleOf({ [ext]: await photo(320, 240, { format }), txt: 'a red bicycle' });
    const out = kept(await processUnchanged(op, sample));
    expect(out.image).toEqual({ ext, format, width: 320, height: 240 });
    expect(out.parts).toBe(sample.parts);
  });

  it('reports the displayed (EXIF-oriented) size', async () => {
    const op = await decodeWith();
    const out = kept(await op.process(sampleOf({ jpg: await rotatedJpeg(300, 200) })));
    expect(out.image).toEqual({ ext: 'jpg', format: 'jpeg', width: 200, height: 300 });
  });

  it('keeps a CMYK JPEG', async () => {
    const op = await decodeWith();
    const out = kept(await op.process(sampleOf({ jpg: await cmykJpeg(240, 200) })));
    expect(out.image).toEqual({ ext: 'jpg', format: 'jpeg', width: 240, height: 200 });
  });

  it('names the format by content, not by extension', async () => {
    const op = await decodeWith();
    const out = kept(await op.process(sampleOf({ jpg: await photo(64, 48, { format: 'png' }) })));
    expect(out.image).toEqual({ ext: 'jpg', format: 'png', width: 64, height: 48 });
  });

  it('rejects a sample without an image member as missing', async () => {
    const op = await decodeWith();
    expect(rejected(await processUnchanged(op, sampleOf({ txt: 'a caption', json: '{}' })))).toBe(
      'missing',
    );
  });

  it('rejects zero bytes as empty', async () => {
    const op = await decodeWith();
    expect(rejected(await processUnchanged(op, sampleOf({ jpg: broken.zeroBytes })))).toBe('empty');
  });

  it('rejects bytes that are not an image', async () => {
    const op = await decodeWith();
    expect(rejected(await processUnchanged(op, sampleOf({ jpg: broken.textBytes })))).toBe(
      'not_an_image',
    );
  });

  it('rejects a GIF by default and keeps it when allowed', async () => {
    const gif = sampleOf({ gif: await photo(80, 60, { format: 'gif' }) });
    const outcome = await (await decodeWith()).process(gif);
    expect(outcome).toEqual({ keep: false, reason: 'format_not_allowed', detail: 'gif' });
    const out = kept(await (await decodeWith({ formats: ['gif'] })).process(gif));
    expect(out.image).toEqual({ ext: 'gif', format: 'gif', width: 80, height: 60 });
  });

  it('rejects a decompression bomb from its header', async () => {
    const op = await decodeWith();
    const outcome = await processUnchanged(op, sampleOf({ png: broken.bombPng }));
    expect(outcome).toEqual({ keep: false, reason: 'too_many_pixels', detail: '100000x100000' });
  });

  it('applies maxPixels to ordinary images', async () => {
    const image = sampleOf({ jpg: await photo(400, 300) });
    expect(rejected(await (await decodeWith({ maxPixels: 119_999 })).process(image))).toBe(
      'too_many_pixels',
    );
    expect(kept(await (await decodeWith({ maxPixels: 120_000 })).process(image)).image?.width).toBe(
      400,
    );
  });

  it.each(['truncatedJpeg', 'truncatedPng'] as const)(
    'rejects a %s as truncated when decoding',
    async (name) => {
      const ext = name === 'truncatedPng' ? 'png' : 'jpg';
      const sample = sampleOf({ [ext]: broken[name] });
      expect(rejected(await processSettled(await decodeWith(), sample))).toBe('truncated');
      // Reading the header alone cannot tell: that is what verify: 'decode' is for.
      expect(kept(await (await decodeWith({ verify: 'header' })).process(sample)).image?.ext).toBe(
        ext,
      );
    },
  );

  it('detects truncation in a large JPEG although it decodes at 1/8 scale', async () => {
    const large = await photo(2048, 1536, { seed: 5 });
    const op = await decodeWith();
    expect(kept(await processSettled(op, sampleOf({ jpg: large }))).image).toMatchObject({
      width: 2048,
      height: 1536,
    });
    for (const fraction of [0.5, 0.9, 0.99]) {
      expect(rejected(await processSettled(op, sampleOf({ jpg: truncate(large, fraction) })))).toBe(
        'truncated',
      );
    }
  });

  it('rejects unknown arguments at validation time', () => {
    expect(() => imageDecode.params.parse({ format: ['jpeg'] })).toThrow(/Unrecognized key/);
  });
});
