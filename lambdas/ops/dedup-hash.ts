/**
 * The hashes deduplication is built on, as pure functions so that a cross-run stage (hash every
 * shard, resolve duplicates, filter) computes exactly what the within-shard operators compute.
 *
 * - contentHash: SHA-256 of the bytes, first 128 bits as 32 hex digits (collision-free for any
 *   realistic run; half the size of the full digest in a partitioned hash table).
 * - phash64: DCT perceptual hash (Zauner, 2010): the image squashed to 32×32 grey, 2-D DCT-II,
 *   the 8×8 lowest frequencies, one bit per coefficient above their median (DC excluded from
 *   the median). Robust to re-encoding, resizing, small colour and crop changes. Measured on
 *   the synthetic photos of test/fixtures: re-encoded/resized copies at distance 0–12 (median 4),
 *   distinct pictures mostly > 10; real photos separate better (smooth synthetic pictures have
 *   many near-median coefficients).
 * - hamming: differing bits of two 64-bit hashes.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

const SIDE = 32;
const LOW = 8;

/** cos((2x + 1)·u·π / 64) for u < 8, x < 32: the only DCT terms the low block needs. */
const COSINES = Float64Array.from({ length: LOW * SIDE }, (_, i) => {
  const u = Math.floor(i / SIDE);
  const x = i % SIDE;
  return Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIDE));
});

/** Perceptual hash of an encoded image, after its EXIF orientation; throws if undecodable. */
export async function phash64(image: Uint8Array): Promise<bigint> {
  const grey = await sharp(image, { failOn: 'none' })
    .rotate()
    .resize(SIDE, SIDE, { fit: 'fill' })
    .greyscale()
    .raw()
    .toBuffer();
  return phashOfGrey(grey);
}

/** The hash of 32×32 8-bit grey pixels, row by row. */
export function phashOfGrey(grey: Uint8Array): bigint {
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
