/**
 * Reading an image's header (format and displayed size) without decoding pixels; shared by the
 * image operators.
 */
import sharp from 'sharp';
import { readPlainJpegHeader } from './jpeg-header';

export interface ImageHeader {
  readonly format: string;
  /** Displayed size: after the EXIF orientation is applied. */
  readonly width: number;
  readonly height: number;
  /** Frames (animated GIF/WebP, multi-page TIFF); 1 for a still image. */
  readonly pages: number;
  /** Pixels are not 8-bit sRGB or 8-bit greyscale: CMYK, 16-bit, Lab … */
  readonly needsSrgb: boolean;
  /** EXIF orientation other than 1: the stored pixels must be rotated to display. */
  readonly rotated: boolean;
  /** Carries EXIF, XMP, IPTC or an ICC profile. */
  readonly hasMetadata: boolean;
}

/** The header, or undefined if sharp cannot identify the bytes as an image. */
export async function readImageHeader(bytes: Buffer): Promise<ImageHeader | undefined> {
  const plain = readPlainJpegHeader(bytes);
  if (plain) {
    // What sharp reports for such a file (checked in test/ops/image-header.test.ts).
    return {
      format: 'jpeg',
      width: plain.width,
      height: plain.height,
      pages: 1,
      needsSrgb: false,
      rotated: false,
      hasMetadata: false,
    };
  }
  return sharpImageHeader(bytes);
}

/** readImageHeader by sharp's metadata() alone, for any format. */
export async function sharpImageHeader(bytes: Buffer): Promise<ImageHeader | undefined> {
  try {
    // No pixel limit here: reading a header costs nothing, and callers must see the declared
    // size of a bomb to reject it by name.
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (!(meta.width > 0 && meta.height > 0)) return undefined;
    const format = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : meta.format;
    return {
      format,
      width: meta.autoOrient.width,
      height: meta.autoOrient.height,
      pages: meta.pages ?? 1,
      needsSrgb: !(meta.space === 'srgb' || meta.space === 'b-w') || meta.depth !== 'uchar',
      rotated: (meta.orientation ?? 1) !== 1,
      hasMetadata: Boolean(meta.exif ?? meta.xmp ?? meta.iptc ?? meta.icc),
    };
  } catch {
    return undefined;
  }
}

/** The format a file's magic bytes claim, for telling a damaged image from a non-image. */
export function sniffFormat(bytes: Buffer): string | undefined {
  const starts = (...magic: number[]) => magic.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}
