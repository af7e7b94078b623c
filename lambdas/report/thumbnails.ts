/**
 * Thumbnails as `data:` URIs, made with sharp, under one byte budget for the whole report so
 * its size stays bounded however many stages and reasons a run has. An image sharp cannot
 * read becomes a placeholder that says why (that is often the reject reason itself).
 */
import sharp, { type OutputInfo } from 'sharp';
import type { Thumbnail } from './types';

export const THUMBNAIL_EDGE = 160;
/** Larger inputs are not decoded for a thumbnail (protects a 512 MB Lambda). */
const MAX_INPUT_BYTES = 32 * 1024 * 1024;
const MAX_INPUT_PIXELS = 50_000_000;

export class ThumbnailBudget {
  private used = 0;
  constructor(readonly maxBytes: number) {}

  /** Reserves room for a data URI; false when the report has no room left. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.maxBytes) return false;
    this.used += bytes;
    return true;
  }

  get usedBytes(): number {
    return this.used;
  }
}

export async function makeThumbnail(
  bytes: Buffer | undefined,
  budget: ThumbnailBudget,
): Promise<Thumbnail> {
  if (bytes === undefined) return placeholder('no image');
  if (bytes.length === 0) return placeholder('empty image');
  if (bytes.length > MAX_INPUT_BYTES) return placeholder('image too large to preview');
  let output: { data: Buffer; info: OutputInfo };
  try {
    output = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .resize({
        width: THUMBNAIL_EDGE,
        height: THUMBNAIL_EDGE,
        fit: 'inside',
        withoutEnlargement: true,
      })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 60, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    return placeholder(`cannot decode: ${firstLine(error)}`);
  }
  const dataUri = `data:image/jpeg;base64,${output.data.toString('base64')}`;
  if (!budget.take(dataUri.length)) return placeholder('not shown: report size limit reached');
  return { kind: 'image', dataUri, width: output.info.width, height: output.info.height };
}

function placeholder(text: string): Thumbnail {
  return { kind: 'placeholder', text };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').slice(0, 120);
}
