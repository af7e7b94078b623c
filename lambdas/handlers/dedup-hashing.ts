/**
 * What a run-scoped dedup compares, and where each record goes (band, partition): the content
 * hash of a sample's image (exact), its 64-bit perceptual hash (phash), a digest of its URL or
 * image (frequency), or the LSH band digests of its text's MinHash signature (minhash).
 */
import { createHash } from 'node:crypto';
import { imagePart, jsonObjectOf, type Sample } from '../../core/ops/sample';
import {
  bandLayout,
  bandValue,
  partitionName,
  partitionOfBandValue,
  partitionOfDigest,
} from './dedup-bands';
import type { DedupConfig } from '../../core/dedup-spec';
import { contentHash, phash64 } from '../ops/dedup-hash';
import { textBandDigests } from '../ops/minhash';
import { normalizeUrl } from '../ops/optout-match';
import { readText } from '../ops/text-read';

/** Bytes of hash kept per record: 128 bits of sha256 (no collision among 10^8 samples), or 64. */
export const HASH_BYTES = { exact: 16, phash: 8, frequency: 16, minhash: 16 } as const;

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
  if (config.mode === 'frequency') return placeByDigest(frequencyDigest(sample, config), config);
  if (config.mode === 'minhash') {
    // Text that is missing or not UTF-8 has nothing to compare; text.utf8 decides about it.
    const text = readText(sample);
    if (!text.ok) return [];
    const digests = textBandDigests(text.text, {
      ngram: config.ngram!,
      bands: config.bands,
      rows: config.rows!,
    });
    return digests.map((digest, band) => ({
      partition: partitionName(band, partitionOfDigest(digest, config.partitions)),
      hash: digest,
    }));
  }
  const image = imagePart(sample);
  if (!image || image.bytes.length === 0) return [];
  if (config.mode === 'exact') {
    // The within-shard dedup.exact's hash (128 bits of sha256), so both scopes agree.
    return placeByDigest(Buffer.from(contentHash(image.bytes), 'hex'), config);
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

function placeByDigest(digest: Buffer | undefined, config: DedupConfig): PlacedRecord[] {
  if (!digest) return [];
  return [
    { partition: partitionName(0, partitionOfDigest(digest, config.partitions)), hash: digest },
  ];
}

/**
 * What a frequency dedup counts for a sample: 128 bits of sha256 of its URL (normalised as the
 * opt-out lists are: no scheme, no `www.`, lower-case host, no trailing `/`), or of its image
 * (the exact dedup's content hash). Undefined when the sample has no URL (json `url`, else a
 * `url` member) or no image: such a sample is never too frequent.
 */
export function frequencyDigest(sample: Sample, config: DedupConfig): Buffer | undefined {
  if (config.key === 'image') {
    const image = imagePart(sample);
    return image && image.bytes.length > 0
      ? Buffer.from(contentHash(image.bytes), 'hex')
      : undefined;
  }
  const url = urlOf(sample);
  if (url === undefined) return undefined;
  return createHash('sha256')
    .update(normalizeUrl(url) ?? url)
    .digest()
    .subarray(0, HASH_BYTES.frequency);
}

/** The sample's URL: json `url`, else the text of a `url` member; undefined when empty. */
export function urlOf(sample: Sample): string | undefined {
  const fromJson = jsonObjectOf(sample)?.url;
  const raw = typeof fromJson === 'string' ? fromJson : sample.parts.url?.toString('utf8');
  const url = raw?.trim();
  return url ? url : undefined;
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
