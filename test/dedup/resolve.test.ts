/** The pieces of the rule: band layout (pigeonhole), pairwise decisions, drop-list merging. */
import { hamming } from '../../lambdas/ops/dedup-hash';
import { bandLayout, bandValue } from '../../lambdas/handlers/dedup-bands';
import { mergeDrops } from '../../lambdas/handlers/dedup-drops';
import { hammingDistance64 } from '../../lambdas/handlers/dedup-hashing';
import { decodeRecords, encodeRecords } from '../../lambdas/handlers/dedup-records';
import { exactDrops, nearDrops, type OriginRecord } from '../../lambdas/handlers/dedup-resolve';
import { seededRandom } from '../fixtures/images';

const bytes64 = (value: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(value);
  return b;
};
const record = (shard: string, key: string, hash: bigint): OriginRecord => ({
  shard,
  key,
  hash: bytes64(hash),
});

describe('bands', () => {
  it('cover 64 bits in k + 1 bands, the wider ones first', () => {
    expect(bandLayout(5).map((b) => b.width)).toEqual([13, 13, 13, 13, 12]);
    expect(bandLayout(5).reduce((s, b) => s + b.width, 0)).toBe(64);
    expect(bandLayout(1)).toEqual([{ shift: 0, width: 64 }]);
  });

  it('put every pair within distance k in a common band (pigeonhole), for random pairs', () => {
    const rand = seededRandom(5);
    for (let trial = 0; trial < 500; trial++) {
      const k = 1 + Math.floor(rand() * 8);
      const a =
        BigInt.asUintN(64, BigInt(Math.floor(rand() * 2 ** 32)) << 32n) |
        BigInt(Math.floor(rand() * 2 ** 32));
      let b = a;
      for (let flips = 0; flips < k; flips++) b ^= 1n << BigInt(Math.floor(rand() * 64));
      expect(hamming(a, b)).toBeLessThanOrEqual(k);
      expect(bandLayout(k + 1).some((band) => bandValue(a, band) === bandValue(b, band))).toBe(
        true,
      );
    }
  });

  it('measure distance like ops/dedup-hash on the stored bytes', () => {
    const rand = seededRandom(9);
    for (let i = 0; i < 200; i++) {
      const a =
        BigInt(Math.floor(rand() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(rand() * 2 ** 32));
      const b =
        BigInt(Math.floor(rand() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(rand() * 2 ** 32));
      expect(hammingDistance64(bytes64(a), bytes64(b))).toBe(hamming(a, b));
    }
  });
});

describe('decisions', () => {
  it('exact: the first (shard, key) of each hash stays, the rest name it', () => {
    const h = (n: number) => Buffer.alloc(16, n);
    const drops = exactDrops([
      { shard: 's0', key: 'a', hash: h(1) },
      { shard: 's0', key: 'b', hash: h(2) },
      { shard: 's1', key: 'a', hash: h(1) },
      { shard: 's1', key: 'c', hash: h(2) },
    ]);
    expect(drops).toEqual([
      { shard: 's1', drop: { key: 'a', keptShard: 's0', keptKey: 'a' } },
      { shard: 's1', drop: { key: 'c', keptShard: 's0', keptKey: 'b' } },
    ]);
  });

  it('phash chains a~b~c (a and c far apart): b and c both go, a stays; pairs only', () => {
    const band = { shift: 48, width: 16 };
    const a = 0x0000_0000_0000_0000n;
    const b = 0x0000_0000_0000_000fn; // 4 bits from a
    const c = 0x0000_0000_0000_00ffn; // 4 bits from b, 8 from a
    const drops = nearDrops(
      [record('s0', 'a', a), record('s1', 'b', b), record('s2', 'c', c)],
      band,
      4,
    );
    expect(drops).toEqual([
      { shard: 's1', drop: { key: 'b', keptShard: 's0', keptKey: 'a', distance: 4 } },
      { shard: 's2', drop: { key: 'c', keptShard: 's1', keptKey: 'b', distance: 4 } },
    ]);
  });

  it('merging drop lists keeps the smallest kept sample whatever the order', () => {
    const lists = [
      { partition: 'b01-p0003', drops: [{ key: 'x', keptShard: 's1', keptKey: 'k', distance: 2 }] },
      { partition: 'b00-p0001', drops: [{ key: 'x', keptShard: 's0', keptKey: 'z', distance: 3 }] },
    ];
    const expected = { key: 'x', keptShard: 's0', keptKey: 'z', distance: 3 };
    expect(mergeDrops(lists).get('x')).toEqual(expected);
    expect(mergeDrops([...lists].reverse()).get('x')).toEqual(expected);
  });

  it('records survive their binary encoding, sorted by key', () => {
    const encoded = encodeRecords(
      [
        { key: 'é-2', hash: bytes64(2n) },
        { key: 'a-1', hash: bytes64(1n) },
      ],
      8,
    );
    expect(decodeRecords(encoded, 'test').map((r) => [r.key, r.hash.readBigUInt64BE(0)])).toEqual([
      ['a-1', 1n],
      ['é-2', 2n],
    ]);
    expect(() => decodeRecords(encoded.subarray(0, encoded.length - 1), 'test')).toThrow(
      /truncated/,
    );
  });
});
