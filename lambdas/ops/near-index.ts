/**
 * Finds an earlier 64-bit hash within Hamming distance k without comparing against all of
 * them (multi-index hashing): split the 64 bits into k + 1 bands; two hashes within distance k
 * agree exactly on at least one band (pigeonhole), so only hashes sharing a band are compared.
 */
import { hamming } from './dedup-hash';

export class NearIndex<V> {
  private readonly bands: { readonly shift: bigint; readonly mask: bigint }[] = [];
  private readonly tables: Map<bigint, { hash: bigint; value: V; added: number }[]>[] = [];
  private added = 0;

  constructor(private readonly maxDistance: number) {
    const count = Math.min(64, maxDistance + 1);
    for (let i = 0; i < count; i++) {
      const start = Math.floor((64 * i) / count);
      const end = Math.floor((64 * (i + 1)) / count);
      this.bands.push({ shift: BigInt(start), mask: (1n << BigInt(end - start)) - 1n });
      this.tables.push(new Map());
    }
  }

  /** The closest entry within distance (the earliest added among equals), or undefined. */
  find(hash: bigint): { value: V; distance: number } | undefined {
    let best: { value: V; distance: number; added: number } | undefined;
    for (const [i, band] of this.bands.entries()) {
      for (const entry of this.tables[i]!.get((hash >> band.shift) & band.mask) ?? []) {
        const distance = hamming(hash, entry.hash);
        if (distance > this.maxDistance || (best && !closer(distance, entry.added, best))) continue;
        best = { value: entry.value, distance, added: entry.added };
      }
    }
    return best && { value: best.value, distance: best.distance };
  }

  add(hash: bigint, value: V): void {
    const added = this.added++;
    for (const [i, band] of this.bands.entries()) {
      const key = (hash >> band.shift) & band.mask;
      const bucket = this.tables[i]!.get(key);
      if (bucket) bucket.push({ hash, value, added });
      else this.tables[i]!.set(key, [{ hash, value, added }]);
    }
  }
}

function closer(distance: number, added: number, best: { distance: number; added: number }) {
  return distance < best.distance || (distance === best.distance && added < best.added);
}
