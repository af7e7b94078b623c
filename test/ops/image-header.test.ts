import sharp from 'sharp';
import { readImageHeader, sharpImageHeader } from '../../lambdas/ops/image-header';
import { readPlainJpegHeader } from '../../lambdas/ops/jpeg-header';
import { cmykJpeg, photo, photoPixels, rotatedJpeg, truncate } from '../fixtures/images';

const rgb = (width: number, height: number) =>
  sharp(photoPixels(width, height, 5), { raw: { width, height, channels: 3 } });

/** A copy of `jpeg` whose frame header declares `width`×`height` instead. */
function withDeclaredSize(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let at = 2; at + 9 < out.length;) {
    const marker = out[at + 1]!;
    if (marker === 0xc0 || marker === 0xc2) {
      out.writeUInt16BE(height, at + 5);
      out.writeUInt16BE(width, at + 7);
      return out;
    }
    at += 2 + out.readUInt16BE(at + 2);
  }
  throw new Error('no frame header');
}

describe('readImageHeader on JPEGs', () => {
  // The JS fast path answers for these; its answer must be sharp's.
  const plain: Record<string, () => Promise<Buffer>> = {
    'baseline 4:2:0': () => photo(320, 240, { quality: 90 }),
    progressive: () => rgb(301, 157).jpeg({ progressive: true }).toBuffer(),
    '4:4:4 chroma': () => rgb(64, 48).jpeg({ chromaSubsampling: '4:4:4' }).toBuffer(),
    mozjpeg: () => rgb(200, 100).jpeg({ mozjpeg: true }).toBuffer(),
    greyscale: () => rgb(90, 120).greyscale().jpeg().toBuffer(),
    '1×1': () => rgb(1, 1).jpeg().toBuffer(),
    'cut inside the scan': async () => truncate(await photo(320, 240), 0.6),
    'declares 60000×60000 (a bomb)': async () =>
      withDeclaredSize(await rgb(64, 64).jpeg().toBuffer(), 60_000, 60_000),
  };
  it.each(Object.keys(plain))('%s: the fast path answers, as sharp does', async (name) => {
    const bytes = await plain[name]!();
    expect(readPlainJpegHeader(bytes)).toBeDefined();
    const expected = await sharpImageHeader(bytes);
    expect(expected).toBeDefined();
    expect(await readImageHeader(bytes)).toEqual(expected);
  });

  // Anything the fast path does not fully understand is left to sharp.
  const unusual: Record<string, () => Promise<Buffer>> = {
    'EXIF orientation 6': () => rotatedJpeg(60, 40),
    CMYK: () => cmykJpeg(60, 40),
    'ICC profile': () => rgb(60, 40).withIccProfile('p3').jpeg().toBuffer(),
    'EXIF without rotation': () =>
      rgb(60, 40)
        .withExif({ IFD0: { Copyright: 'x' } })
        .jpeg()
        .toBuffer(),
    'cut inside the header': async () => (await photo(320, 240)).subarray(0, 40),
    'no frame before the scan': async () => Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]),
    'declares 0×0': async () => withDeclaredSize(await rgb(8, 8).jpeg().toBuffer(), 0, 0),
    'declares 65535 wide': async () =>
      withDeclaredSize(await rgb(8, 8).jpeg().toBuffer(), 65_535, 8),
    PNG: () => photo(20, 20, { format: 'png' }),
    'not an image': async () => Buffer.from('<html></html>'),
  };
  it.each(Object.keys(unusual))('%s: left to sharp', async (name) => {
    const bytes = await unusual[name]!();
    expect(readPlainJpegHeader(bytes)).toBeUndefined();
    expect(await readImageHeader(bytes)).toEqual(await sharpImageHeader(bytes));
  });

  it('reads the rotated JPEG upright and the CMYK one as needing sRGB (via sharp)', async () => {
    expect(await readImageHeader(await rotatedJpeg(60, 40))).toMatchObject({
      width: 40,
      height: 60,
      rotated: true,
      hasMetadata: true,
    });
    expect(await readImageHeader(await cmykJpeg(60, 40))).toMatchObject({ needsSrgb: true });
  });
});
