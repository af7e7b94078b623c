/**
 * The small version of test/bench/memory.bench.ts: the curate handler's peak RSS does not
 * grow with the shard. A 300 MiB shard needs about what a 100 MiB one does (both past the
 * garbage collector's steady state, which a 10 MiB shard never reaches), far under 512 MiB.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildShard, curateShard } from './memory-probe';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-memory-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it('curates a 300 MiB shard in the RSS of a 100 MiB one', async () => {
  const small = path.join(dir, 'small.tar');
  const large = path.join(dir, 'large.tar');
  await buildShard(small, 100);
  await buildShard(large, 300);
  const a = await curateShard(small, path.join(dir, 'a'));
  const b = await curateShard(large, path.join(dir, 'b'));
  expect([a.in, a.kept, b.in, b.kept]).toEqual([100, 90, 300, 270]);
  expect(b.shardBytes).toBeGreaterThan(300 * 1000 * 1000);
  // Growth with 200 MiB more shard: a few samples in flight, not the shard.
  expect(b.peakRssMiB - a.peakRssMiB).toBeLessThan(64);
  expect(b.peakRssMiB).toBeLessThan(512);
}, 180_000);
