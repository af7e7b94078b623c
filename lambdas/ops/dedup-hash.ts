/**
 * The hashes deduplication is built on, as pure functions so that a cross-run stage (hash every
 * shard, resolve duplicates, filter) computes exactly what the within-shard operators compute.
 *
 * - contentHash: SHA-256 of the bytes, first 128 bits as 32 hex digits (collision-free for any
 *   realistic run; half the size of the full digest in a partitioned hash table).
 * - phash64: DCT perceptual hash (Zauner, 2010): the image squashed to 32×32 grey, 2-D DCT-II,
 *   the 8×8 lowest frequencies, one bit per coefficient above their median (DC excluded from
 *   the median). The squash is a box average of the decoded pixels at their stored size, in JS
 *   (phashOfPixels), so that dedup.phash can hash the pixels image.resize just decoded (no
 *   second sharp pipeline) and the run-wide stage, which decodes the stored image, computes the
 *   same function; they differ only by the output encoder's rounding, far below the bits. Robust to re-encoding, resizing, small colour and crop changes. Measured on
 *   the synthetic photos of test/fixtures: re-encoded/resized copies at distance 0–12 (median 4),
 *   distinct pictures mostly > 10; real photos separate better (smooth synthetic pictures have
 *   many near-median coefficients).
 * - hamming: differing bits of two 64-bit hashes.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { DecodedPixels } from '../../core/ops/sample';

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

const SIDE = 32;
/** Pixels sampled along each side of a box of the 32×32 grid (when the image has that many). */
const SAMPLES_PER_SIDE = 6;
const LOW = 8;

/** cos((2x + 1)·u·π / 64) for u < 8, x < 32: the only DCT terms the low block needs. */
const COSINES = Float64Array.from({ length: LOW * SIDE }, (_, i) => {
  const u = Math.floor(i / SIDE);
  const x = i % SIDE;
  return Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIDE));
});

/** Perceptual hash of an encoded image, after its EXIF orientation; throws if undecodable. */
export async function phash64(image: Uint8Array): Promise<bigint> {
  const { data, info } = await sharp(image, { failOn: 'none' })
    .rotate()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const channels = info.channels as DecodedPixels['channels'];
  return phashOfPixels({ width: info.width, height: info.height, channels, data });
}

/**
 * The hash of decoded 8-bit pixels (grey or sRGB, alpha over white as the JPEG output has it):
 * Rec. 601 luma, averaged over a 32×32 grid of boxes (a box smaller than a pixel takes the
 * nearest one).
 */
export function phashOfPixels(pixels: DecodedPixels): bigint {
  const { width, height, channels, data } = pixels;
  const cells = SIDE * SIDE;
  // Per box: the sum of each colour channel (luma is linear, so it is taken per box at the
  // end), or of luma itself when there is alpha to composite first.
  const planes = channels === 3 ? 3 : 1;
  const sums = new Float64Array(cells * planes);
  const counts = new Uint32Array(cells);
  // Every `stride`-th pixel of every `stride`-th row, still at least SAMPLES_PER_SIDE² per box.
  const stride = Math.max(1, Math.floor(Math.min(width, height) / (SIDE * SAMPLES_PER_SIDE)));
  const runs = columnRuns(width, stride);
  const step = stride * channels;
  for (let y = 0; y < height; y += stride) {
    const rowBox = Math.floor((y * SIDE) / height) * SIDE;
    const row = y * width;
    // A run of sampled columns in one box is summed in locals, then added to the box once.
    // Colour sums are of whole numbers, exact in any order; luma (fractional, with alpha) is
    // added pixel by pixel in the same order as ever, so the hash does not change.
    for (let r = 0; r < runs.length; r += 3) {
      const box = rowBox + runs[r]!;
      const end = (row + runs[r + 2]!) * channels;
      let i = (row + runs[r + 1]!) * channels;
      let n = 0;
      if (planes === 3) {
        let red = 0;
        let green = 0;
        let blue = 0;
        for (; i < end; i += step, n++) {
          red += data[i]!;
          green += data[i + 1]!;
          blue += data[i + 2]!;
        }
        sums[box * 3]! += red;
        sums[box * 3 + 1]! += green;
        sums[box * 3 + 2]! += blue;
      } else for (; i < end; i += step, n++) sums[box]! += lumaAt(data, i, channels);
      counts[box]! += n;
    }
  }
  const grey = new Float64Array(cells);
  for (let box = 0; box < cells; box++) {
    const n = counts[box]!;
    if (n === 0) {
      // A box smaller than a pixel (images under 32 px): the pixel at its centre.
      const x = Math.floor((((box % SIDE) + 0.5) * width) / SIDE);
      const y = Math.floor(((Math.floor(box / SIDE) + 0.5) * height) / SIDE);
      grey[box] = lumaAt(data, (y * width + x) * channels, channels);
    } else if (planes === 3) {
      const at = box * 3;
      grey[box] = (0.299 * sums[at]! + 0.587 * sums[at + 1]! + 0.114 * sums[at + 2]!) / n;
    } else grey[box] = sums[box]! / n;
  }
  return phashOfGrey(grey);
}

/**
 * The sampled columns (0, stride, 2·stride …) grouped by the grid column their box is in, as
 * flat triples [box column, first x, end x (exclusive)]; empty grid columns have no triple.
 */
function columnRuns(width: number, stride: number): Int32Array {
  const runs: number[] = [];
  for (let x = 0; x < width; x += stride) {
    const column = Math.floor((x * SIDE) / width);
    if (runs.length > 0 && runs[runs.length - 3] === column) runs[runs.length - 1] = x + 1;
    else runs.push(column, x, x + 1);
  }
  return Int32Array.from(runs);
}

/** Rec. 601 luma of the pixel at byte `i`, alpha composited over white. */
function lumaAt(data: Buffer, i: number, channels: number): number {
  const value =
    channels >= 3 ? 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]! : data[i]!;
  if (channels !== 2 && channels !== 4) return value;
  const alpha = data[i + channels - 1]! / 255;
  return value * alpha + 255 * (1 - alpha);
}

/** The hash of 32×32 grey levels, row by row. */
export function phashOfGrey(grey: ArrayLike<number>): bigint {
  if (grey.length !== SIDE * SIDE) throw new Error(`expected ${SIDE * SIDE} grey pixels`);
  // Separable DCT restricted to the low 8×8 block: rows first (32×8), then columns (8×8).
  const rows = new Float64Array(SIDE * LOW);
  for (let y = 0; y < SIDE; y++) {
    for (let u = 0; u < LOW; u++) {
      let sum = 0;
      for (let x = 0; x < SIDE; x++) sum += grey[y * SIDE + x]! * COSINES[u * SIDE + x]!;
      rows[y * LOW + u] = sum;
    }
  }
  const block = new Float64Array(LOW * LOW);
  for (let v = 0; v < LOW; v++) {
    for (let u = 0; u < LOW; u++) {
      let sum = 0;
      for (let y = 0; y < SIDE; y++) sum += rows[y * LOW + u]! * COSINES[v * SIDE + y]!;
      block[v * LOW + u] = sum;
    }
  }
  // The DC term (mean brightness) is left out of the median, which it would skew.
  const median = [...block.subarray(1)].sort((a, b) => a - b)[(LOW * LOW - 1) >> 1]!;
  let hash = 0n;
  for (let i = 0; i < LOW * LOW; i++) hash = (hash << 1n) | (block[i]! > median ? 1n : 0n);
  return hash;
}

export function hamming(a: bigint, b: bigint): number {
  let x = a ^ b;
  let count = 0;
  while (x !== 0n) {
    x &= x - 1n;
    count++;
  }
  return count;
}

/** A 64-bit hash as 16 hex digits (the form stored in json and in cross-run hash tables). */
export function hashHex(hash: bigint): string {
  return hash.toString(16).padStart(16, '0');
}
