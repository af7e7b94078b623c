/**
 * Image → model input, as transformers' ViTImageProcessor does it: convert to RGB, resize to
 * the processor's size with its resample filter, rescale (x/255), normalise ((x - mean) / std),
 * channels first (CHW float32). Decoding and resizing are sharp's: JPEG and WebP shrink on
 * load, so a large photo is never decoded at full size.
 */
import sharp, { type KernelEnum, type OutputInfo } from 'sharp';
import { sniffFormat } from '../ops/image-header';
import type { ImageProcessorConfig } from './config';

/** PIL's resample numbers → the nearest sharp kernel (sharp has no box or hamming filter). */
const KERNELS: Readonly<Record<number, keyof KernelEnum>> = {
  0: 'nearest',
  1: 'lanczos3',
  2: 'linear',
  3: 'cubic',
  4: 'linear',
  5: 'lanczos2',
};

export interface Preprocessor {
  readonly height: number;
  readonly width: number;
  /** Floats per image: 3 × height × width. */
  readonly imageLength: number;
  /** `fill`: squash to the size; `cover`: shortest edge to the size, then a centre crop (CLIP). */
  readonly fit: 'fill' | 'cover';
  /** Decodes `bytes` and writes one image's CHW floats into `out` at `offset`. */
  into(bytes: Buffer, out: Float32Array, offset: number): Promise<void>;
}

/** The image could not be decoded (the sample is rejected, not the shard failed). */
export class UndecodableImageError extends Error {
  override readonly name = 'UndecodableImageError';
}

export function createPreprocessor(config: ImageProcessorConfig, where: string): Preprocessor {
  if (!config.do_resize)
    throw new Error(`${where}: do_resize false is not supported (inputs need one fixed size)`);
  const { height, width } = config.size;
  const kernel = KERNELS[config.resample] ?? 'linear';
  const fit = config.size.shortestEdge ? 'cover' : 'fill';
  // x' = ((x * rescale) - mean) / std  ==  x * scale[c] + shift[c]: one multiply-add per value.
  const rescale = config.do_rescale ? config.rescale_factor : 1;
  const mean = config.do_normalize ? config.image_mean : [0, 0, 0];
  const std = config.do_normalize ? config.image_std : [1, 1, 1];
  const scale = [0, 1, 2].map((c) => rescale / std[c]!);
  const shift = [0, 1, 2].map((c) => -mean[c]! / std[c]!);
  const plane = height * width;

  return {
    height,
    width,
    imageLength: 3 * plane,
    fit,
    async into(bytes, out, offset) {
      let raw: { data: Buffer; info: OutputInfo };
      try {
        raw = await decodeResized(bytes, width, height, kernel, fit);
      } catch (error) {
        throw new UndecodableImageError(error instanceof Error ? error.message : String(error));
      }
      const { data, info } = raw;
      if (info.channels === 3) normaliseRgb(data, out, offset, plane, scale, shift);
      else normaliseAny(data, info.channels, out, offset, plane, scale, shift);
    },
  };
}

/**
 * Decoded, oriented, resized sRGB bytes. An image with alpha loses it BEFORE resizing: sharp
 * premultiplies alpha while resizing, so a transparent pixel would turn black, whereas
 * transformers (PIL's `convert("RGB")`) drops alpha and keeps the colour underneath. Such an
 * image is decoded to raw without alpha first (no shrink-on-load; PNG and the like have none
 * worth keeping) and resized from there; everything else stays one sharp pipeline.
 */
async function decodeResized(
  bytes: Buffer,
  width: number,
  height: number,
  kernel: keyof KernelEnum,
  fit: 'fill' | 'cover',
): Promise<{ data: Buffer; info: OutputInfo }> {
  const resize = { fit, position: 'centre', kernel } as const;
  // JPEG has no alpha: the common photo skips the metadata read.
  if (
    sniffFormat(bytes) === 'jpeg' ||
    !(await sharp(bytes, { failOn: 'error' }).metadata()).hasAlpha
  )
    return sharp(bytes, { failOn: 'error' })
      .rotate()
      .resize(width, height, resize)
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  const flat = await sharp(bytes, { failOn: 'error' })
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const { width: w, height: h, channels } = flat.info;
  return sharp(flat.data, { raw: { width: w, height: h, channels } })
    .resize(width, height, resize)
    .raw()
    .toBuffer({ resolveWithObject: true });
}

/**
 * Interleaved RGB bytes → three float planes in one pass over the pixels (the common case:
 * sharp's sRGB output without alpha); one multiply-add per value.
 */
function normaliseRgb(
  data: Buffer,
  out: Float32Array,
  offset: number,
  plane: number,
  scale: readonly number[],
  shift: readonly number[],
): void {
  const [a0, a1, a2] = scale as [number, number, number];
  const [b0, b1, b2] = shift as [number, number, number];
  const r = offset;
  const g = offset + plane;
  const b = offset + 2 * plane;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    out[r + i] = data[j]! * a0 + b0;
    out[g + i] = data[j + 1]! * a1 + b1;
    out[b + i] = data[j + 2]! * a2 + b2;
  }
}

/** Any channel count (grey: one channel repeated into all three planes). */
function normaliseAny(
  data: Buffer,
  channels: number,
  out: Float32Array,
  offset: number,
  plane: number,
  scale: readonly number[],
  shift: readonly number[],
): void {
  for (let c = 0; c < 3; c++) {
    const source = Math.min(c, channels - 1);
    const a = scale[c]!;
    const b = shift[c]!;
    const base = offset + c * plane;
    for (let i = 0, j = source; i < plane; i++, j += channels) out[base + i] = data[j]! * a + b;
  }
}
