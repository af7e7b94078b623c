/**
 * A small grey copy of a sample's image: what the image-quality operators (image.blur,
 * image.low_information) measure. It is made from the pixels an earlier operator decoded
 * (Sample.decoded, left by image.resize), so the image is not decoded again; without such an
 * operator earlier in the chain, the first quality operator decodes once (shrink-on-load).
 * Either way the copy is left on the sample (Sample.grey) for the next quality operator.
 */
import sharp from 'sharp';
import { imagePart, type DecodedPixels, type GreyCopy, type Sample } from '../../core/ops/sample';
import type { MeasuredStats } from '../../core/ops/stats';

/** Longest side of the copy is at most this, px: about one scale, so scores compare across sizes. */
export const GREY_SIDE = 256;

/**
 * The grey copy of decoded pixels: every k-th pixel of every k-th row (nearest neighbour), k the
 * smallest integer that brings the longest side to GREY_SIDE or less, as luminance with ITU-R
 * 601 weights (PIL's `convert("L")`, OpenCV's `cvtColor`). One JavaScript pass over the copy's
 * pixels only: a sharp pipeline costs ~3 ms of fixed overhead per call, and a box average
 * reads every source pixel (~1.5 ms for 512 px); nearest neighbour keeps edges as sharp as they
 * are and a blurred image as blurred, which is what the statistics measure.
 */
export function greyFromPixels(decoded: DecodedPixels): GreyCopy {
  const { width, height, channels, data } = decoded;
  const k = Math.max(1, Math.ceil(Math.max(width, height) / GREY_SIDE));
  const gw = Math.max(1, Math.floor(width / k));
  const gh = Math.max(1, Math.floor(height / k));
  const pixels = new Uint8Array(gw * gh);
  const colour = channels >= 3;
  const [g, b] = colour ? [1, 2] : [0, 0];
  const [wr, wg, wb] = colour ? [0.299, 0.587, 0.114] : [1, 0, 0];
  const step = k * channels;
  for (let gy = 0; gy < gh; gy++) {
    let i = gy * k * width * channels;
    const row = gy * gw;
    for (let gx = 0; gx < gw; gx++, i += step)
      pixels[row + gx] = wr * data[i]! + wg * data[i + g]! + wb * data[i + b]! + 0.5;
  }
  return { width: gw, height: gh, pixels };
}

/**
 * The sample's grey copy: the one an earlier operator left, else made from the pixels an
 * earlier operator decoded, else decoded here from `bytes` (EXIF orientation applied, as every
 * other operator sees the image; JPEG and WebP shrink on load to about twice the copy's size).
 * Throws if undecodable.
 */
export async function greyCopyOf(sample: Sample, bytes: Buffer): Promise<GreyCopy> {
  if (sample.grey) return sample.grey;
  if (sample.decoded) return greyFromPixels(sample.decoded);
  const side = 2 * GREY_SIDE;
  const { data, info } = await sharp(bytes, { failOn: 'none' })
    .rotate()
    .resize(side, side, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return greyFromPixels({ width: info.width, height: info.height, channels: info.channels, data });
}

/** Mean and standard deviation of the grey levels (0–255). */
export function greyStats(grey: GreyCopy): { mean: number; std: number } {
  const { pixels } = grey;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    sum += v;
    squares += v * v;
  }
  const n = Math.max(1, pixels.length);
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, squares / n - mean * mean)) };
}

/**
 * Variance of the 4-neighbour Laplacian (OpenCV's `cv2.Laplacian(grey, CV_64F).var()` kernel,
 * Pech-Pacheco et al., 2000) over the interior pixels. Hand-written: sharp's convolve clamps
 * its output to 0–255, losing the negative half of the response this statistic needs.
 */
export function laplacianVariance(grey: GreyCopy): number {
  const { width, height, pixels } = grey;
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let squares = 0;
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      const i = row + x;
      const v =
        pixels[i - 1]! + pixels[i + 1]! + pixels[i - width]! + pixels[i + width]! - 4 * pixels[i]!;
      sum += v;
      squares += v * v;
    }
  }
  const n = (width - 2) * (height - 2);
  const mean = sum / n;
  return squares / n - mean * mean;
}

/**
 * What both quality operators do around their statistic: the sample's grey copy, or the
 * reject for a sample without an image or with one that does not decode; `judge` returns what
 * it measured and a reject, or no reject (keep, with the copy left on the sample for the next
 * operator).
 */
export async function judgeGreyCopy<R extends string>(
  sample: Sample,
  judge: (grey: GreyCopy) => {
    readonly stats: MeasuredStats;
    readonly reject?: { readonly reason: R; readonly detail: string };
  },
): Promise<
  | { keep: true; sample: Sample; stats?: MeasuredStats }
  | { keep: false; reason: R | 'missing' | 'undecodable'; detail?: string; stats?: MeasuredStats }
> {
  const part = imagePart(sample);
  if (!part) return { keep: false, reason: 'missing' };
  let grey: GreyCopy;
  try {
    grey = await greyCopyOf(sample, part.bytes);
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return { keep: false, reason: 'undecodable', detail };
  }
  const { stats, reject } = judge(grey);
  if (reject) return { keep: false, ...reject, stats };
  return { keep: true, sample: sample.grey ? sample : { ...sample, grey }, stats };
}
