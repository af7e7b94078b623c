/**
 * The small version of test/bench/memory.bench.ts: the curate handler's peak RSS does not
 * grow with the shard. A 100 MiB shard needs about what a 10 MiB one does, far under 512 MiB.
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

it('curates a 100 MiB shard in the RSS of a 10 MiB one', async () => {
  const small = path.join(dir, 'small.tar');
  const large = path.join(dir, 'large.tar');
  await buildShard(small, 10);
  await buildShard(large, 100);
  const a = await curateShard(small, path.join(dir, 'a'));
  const b = await curateShard(large, path.join(dir, 'b'));
  expect([a.in, a.kept, b.in, b.kept]).toEqual([10, 9, 100, 90]);
  expect(b.shardBytes).toBeGreaterThan(100 * 1000 * 1000);
  // Growth with a shard 10 times larger: a few samples in flight, not the shard.
  expect(b.peakRssMiB - a.peakRssMiB).toBeLessThan(64);
  expect(b.peakRssMiB).toBeLessThan(512);
}, 180_000);
