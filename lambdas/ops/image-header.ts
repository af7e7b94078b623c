/**
 * Reading an image's header (format and displayed size) without decoding pixels; shared by the
 * image operators.
 */
import sharp from 'sharp';

/** Formats an allow-list can name: sharp's decoder names, with AVIF told apart from HEIC. */
export const IMAGE_FORMATS = [
  'jpeg',
  'png',
  'webp',
  'gif',
  'tiff',
  'avif',
  'heif',
  'jp2',
  'jxl',
  'svg',
] as const;

export interface ImageHeader {
  readonly format: string;
  /** Displayed size: after the EXIF orientation is applied. */
  readonly width: number;
  readonly height: number;
}

/** The header, or undefined if sharp cannot identify the bytes as an image. */
export async function readImageHeader(bytes: Buffer): Promise<ImageHeader | undefined> {
  try {
    // No pixel limit here: reading a header costs nothing, and callers must see the declared
    // size of a bomb to reject it by name.
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (!(meta.width > 0 && meta.height > 0)) return undefined;
    const format = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : meta.format;
    return { format, width: meta.autoOrient.width, height: meta.autoOrient.height };
  } catch {
    return undefined;
  }
}
