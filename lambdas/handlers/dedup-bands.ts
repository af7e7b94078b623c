/**
 * Partitioning of hash records. Exact hashes (uniform) go to partition `first 32 bits mod P`.
 * Perceptual hashes use the pigeonhole trick: the 64 bits are cut into k + 1 bands, and two
 * hashes within Hamming distance k agree exactly on at least one band, so every near-duplicate
 * pair meets in the partition of (that band, its value) and is verified there by the full
 * distance.
 */

export interface Band {
  /** Lowest bit of the band (bit 0 = least significant). */
  readonly shift: number;
  readonly width: number;
}

/** `count` bands covering 64 bits; the first `64 mod count` bands are one bit wider. */
export function bandLayout(count: number): Band[] {
  if (!Number.isInteger(count) || count < 1 || count > 16)
    throw new Error(`band count must be an integer 1-16, got ${count}`);
  const base = Math.floor(64 / count);
  const wider = 64 % count;
  const bands: Band[] = [];
  let top = 64;
  for (let i = 0; i < count; i++) {
    const width = base + (i < wider ? 1 : 0);
    top -= width;
    bands.push({ shift: top, width });
  }
  return bands;
}

export function bandValue(hash: bigint, band: Band): bigint {
  return (hash >> BigInt(band.shift)) & ((1n << BigInt(band.width)) - 1n);
}

/**
 * Band values are not uniform in their low bits for small widths, and a band of w bits has only
 * 2^w values: a multiplicative (Fibonacci) hash spreads them over the partitions.
 */
export function partitionOfBandValue(value: bigint, band: number, partitions: number): number {
  const mixed =
    ((value + BigInt(band) * 0x100000001b3n) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
  return Number(mixed >> 32n) % partitions;
}

/** Exact hashes are uniform already: their first 32 bits pick the partition. */
export function partitionOfDigest(digest: Buffer, partitions: number): number {
  return digest.readUInt32BE(0) % partitions;
}

/** Name of a partition in storage and manifests: `b<band>-p<partition>`, zero-padded. */
export function partitionName(band: number, partition: number): string {
  return `b${String(band).padStart(2, '0')}-p${String(partition).padStart(4, '0')}`;
}
