/**
 * The pixel work of image.decode, which the shard loop may defer (Sample.deferred): the
 * verification decode, and normalisation (8-bit sRGB, EXIF orientation applied, first frame,
 * metadata stripped). A failure is told apart as truncated (the file ends early) or corrupt.
 */
import sharp, { type FormatEnum } from 'sharp';
import type { ImageHeader } from './image-header';
import type { DecodeStrictness, ImageFacts, Sample, SettledWork } from '../../core/ops/sample';

/** Side of the box the verification decode shrinks to: JPEG and WebP then decode at 1/8 scale. */
const VERIFY_BOX = 64;

export interface DecodeWork {
  readonly verify: boolean;
  readonly normalize: boolean;
  readonly failOn: DecodeStrictness;
  readonly maxPixels: number;
  /** Quality of a lossy re-encode (JPEG, WebP, AVIF) when normalising. */
  readonly quality: number;
}

/** Formats sharp writes back as themselves; others are normalised to PNG. */
const WRITABLE: ReadonlySet<string> = new Set<keyof FormatEnum | 'avif'>([
  'jpeg',
  'png',
  'webp',
  'gif',
  'tiff',
  'avif',
]);
const EXT_OF: Readonly<Record<string, string>> = { jpeg: 'jpg', tiff: 'tif' };

export async function settleDecode(
  sample: Sample,
  part: { readonly ext: string; readonly bytes: Buffer },
  header: ImageHeader,
  work: DecodeWork,
): Promise<SettledWork> {
  const options = { failOn: work.failOn, limitInputPixels: work.maxPixels };
  const facts: ImageFacts = {
    ext: part.ext,
    format: header.format,
    width: header.width,
    height: header.height,
  };
  try {
    if (!work.normalize) {
      await sharp(part.bytes, options)
        .resize(VERIFY_BOX, VERIFY_BOX, { fit: 'inside', withoutEnlargement: true })
        .raw()
        .toBuffer();
      return {
        keep: true,
        sample: { key: sample.key, parts: sample.parts, image: sample.image ?? facts },
      };
    }
    const format = (WRITABLE.has(header.format) ? header.format : 'png') as
      keyof FormatEnum | 'avif';
    // rotate() applies the EXIF orientation; output drops all metadata unless asked to keep it.
    const bytes = await sharp(part.bytes, options)
      .rotate()
      .toColourspace('srgb')
      .toFormat(format, { quality: work.quality })
      .toBuffer();
    const ext = format === header.format ? part.ext : (EXT_OF[format] ?? format);
    const parts: Record<string, Buffer> = { ...sample.parts };
    delete parts[part.ext];
    parts[ext] = bytes;
    return { keep: true, sample: { key: sample.key, parts, image: { ...facts, ext, format } } };
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    const reason = endsEarly(header.format, part.bytes) ? 'truncated' : 'corrupt';
    return { keep: false, reason, detail };
  }
}

/** Whether the file lacks its format's end marker: what an interrupted download leaves. */
export function endsEarly(format: string, bytes: Buffer): boolean {
  const n = bytes.length;
  switch (format) {
    case 'jpeg': {
      // EOI marker FF D9, allowing the zero padding some encoders append.
      let end = n;
      while (end > 2 && bytes[end - 1] === 0) end--;
      return !(bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9);
    }
    case 'png':
      return bytes.lastIndexOf('IEND', Math.max(0, n - 8), 'latin1') === -1;
    case 'gif':
      return bytes[n - 1] !== 0x3b;
    case 'webp':
      return n < 12 || bytes.readUInt32LE(4) + 8 > n;
    default:
      return false;
  }
}
