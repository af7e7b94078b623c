/**
 * What a run-scoped dedup compares: the content hash (exact) or the 64-bit perceptual hash
 * (phash) of a sample's image, and where each record goes (band, partition).
 */
import { imagePart, type Sample } from '../../core/ops/sample';
import {
  bandLayout,
  bandValue,
  partitionName,
  partitionOfBandValue,
  partitionOfDigest,
} from './dedup-bands';
import type { DedupConfig } from '../../core/dedup-spec';
import { contentHash, phash64 } from '../ops/dedup-hash';

/** Bytes of hash kept per record: 128 bits of sha256 (no collision among 10^8 samples), or 64. */
export const HASH_BYTES = { exact: 16, phash: 8 } as const;

export interface PlacedRecord {
  readonly partition: string;
  readonly hash: Buffer;
}

/**
 * Where one sample's record goes: one partition for exact, one per band for phash. Empty when
 * the sample has nothing to compare (no image; an image the perceptual hash cannot decode):
 * such a sample is never a duplicate.
 */
export async function placeSample(sample: Sample, config: DedupConfig): Promise<PlacedRecord[]> {
  const image = imagePart(sample);
  if (!image || image.bytes.length === 0) return [];
  if (config.mode === 'exact') {
    // The within-shard dedup.exact's hash (128 bits of sha256), so both scopes agree.
    const digest = Buffer.from(contentHash(image.bytes), 'hex');
    return [
      { partition: partitionName(0, partitionOfDigest(digest, config.partitions)), hash: digest },
    ];
  }
  const hash = await phash64(image.bytes).catch(() => undefined);
  if (hash === undefined) return [];
  const bytes = Buffer.alloc(HASH_BYTES.phash);
  bytes.writeBigUInt64BE(hash);
  return bandLayout(config.bands).map((band, index) => ({
    partition: partitionName(
      index,
      partitionOfBandValue(bandValue(hash, band), index, config.partitions),
    ),
    hash: bytes,
  }));
}

/**
 * Bits that differ between two 64-bit hashes stored big-endian: ops/dedup-hash's `hamming` on
 * the stored bytes. Hand-written on two 32-bit halves because resolve runs it for every
 * candidate pair of a partition, and BigInt arithmetic is an order of magnitude slower there.
 */
export function hammingDistance64(a: Buffer, b: Buffer): number {
  return (
    popcount32((a.readUInt32BE(0) ^ b.readUInt32BE(0)) >>> 0) +
    popcount32((a.readUInt32BE(4) ^ b.readUInt32BE(4)) >>> 0)
  );
}

function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
