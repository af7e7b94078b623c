/**
 * A compact, read-only set of strings for opt-out lists of tens of millions of entries: each
 * entry is kept only as a 64-bit hash in one sorted BigUint64Array, looked up by binary search.
 *
 * Cost: 8 bytes per entry (plus up to 2× while loading, as the array doubles), no per-entry
 * objects for the garbage collector: 10^7 URLs ≈ 80–160 MB, 5·10^7 ≈ 400–800 MB. A JS Set of
 * the strings would take ~100 B per entry. Lookups are O(log n), ~26 steps at 5·10^7.
 * False positives: a query matches by collision with probability n / 2^64 (≈ 3·10^-12 at 5·10^7).
 *
 * The hash is hand-written (two 32-bit multiplicative lanes, murmur3's finaliser on each)
 * because Node's crypto costs ~1 µs per call, i.e. tens of seconds per list at load.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** 64-bit hash of a string (UTF-16 code units), as [low, high] 32-bit halves. */
export function hash64Parts(text: string): [number, number] {
  let a = 0x811c9dc5 ^ text.length;
  let b = 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [fmix32(a ^ Math.imul(b, 0x27d4eb2f)), fmix32(b ^ Math.imul(a, 0x165667b1))];
}

export function hash64(text: string): bigint {
  const [low, high] = hash64Parts(text);
  return (BigInt(high) << 32n) | BigInt(low);
}

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class SortedHashSet {
  private constructor(private readonly hashes: BigUint64Array) {}

  get size(): number {
    return this.hashes.length;
  }

  /** Bytes held by the hashes. */
  get bytes(): number {
    return this.hashes.byteLength;
  }

  static fromStrings(entries: Iterable<string>): SortedHashSet {
    const builder = new Builder();
    for (const entry of entries) builder.add(entry);
    return new SortedHashSet(builder.finish());
  }

  /** One entry per line; `normalize` returns the key to store, or undefined to skip the line. */
  static async fromLines(
    stream: Readable,
    normalize: (line: string) => string | undefined,
  ): Promise<SortedHashSet> {
    const builder = new Builder();
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
      const key = normalize(line);
      if (key !== undefined) builder.add(key);
    }
    return new SortedHashSet(builder.finish());
  }

  has(key: string): boolean {
    const wanted = hash64(key);
    const hashes = this.hashes;
    let lo = 0;
    let hi = hashes.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = hashes[mid]!;
      if (value === wanted) return true;
      if (value < wanted) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}

/** Appends hashes as 32-bit halves (no BigInt per entry), then sorts them as 64-bit values. */
class Builder {
  private halves = new Uint32Array(2 * 1024);
  private count = 0;

  add(key: string): void {
    if (2 * this.count === this.halves.length) {
      const grown = new Uint32Array(this.halves.length * 2);
      grown.set(this.halves);
      this.halves = grown;
    }
    const [low, high] = hash64Parts(key);
    // Little-endian layout (x86-64 and arm64, every Lambda architecture): element i of a BigUint64Array view is low + high·2^32.
    this.halves[2 * this.count] = low;
    this.halves[2 * this.count + 1] = high;
    this.count++;
  }

  /** The hashes, sorted; a view of the grown buffer (no final copy: that would be a third array). */
  finish(): BigUint64Array {
    return new BigUint64Array(this.halves.buffer, 0, this.count).sort();
  }
}
