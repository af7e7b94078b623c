/**
 * A 200 MB shard goes through readShard → ShardWriter with memory that does not grow with the
 * shard: a sanity check that nothing buffers a whole shard (the bound is loose on purpose).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readShard } from '../../lambdas/shards/tar-reader';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import { toFileUri } from '../../core/uri';

const MiB = 1024 * 1024;
const SAMPLES = 200;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-stream-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

it('streams a 200 MB shard through reader and writer in bounded memory', async () => {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampleRss = (): void => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };

  const input = path.join(dir, 'input.tar');
  const generator = new ShardWriter(toFileUri(input));
  for (let i = 0; i < SAMPLES; i++) {
    const image = Buffer.alloc(MiB, i % 251);
    await generator.add({
      key: `big/${String(i).padStart(6, '0')}`,
      parts: { bin: image, txt: Buffer.from(`sample ${i}`) },
    });
    sampleRss();
  }
  const generated = await generator.close();
  expect(generated.samples).toBe(SAMPLES);
  expect((await stat(input)).size).toBeGreaterThan(200 * MiB);

  const output = path.join(dir, 'output.tar');
  const copier = new ShardWriter(toFileUri(output));
  let copied = 0;
  for await (const record of readShard(createReadStream(input))) {
    if (record.kind !== 'sample') throw new Error(`unexpected ${record.reason}: ${record.detail}`);
    await copier.add(record.sample);
    copied += 1;
    sampleRss();
  }
  const written = await copier.close();

  expect(copied).toBe(SAMPLES);
  // Same samples, deterministic writer: the copy is byte for byte the input.
  expect(written.sha256).toBe(generated.sha256);
  expect(await sha256Of(output)).toBe(generated.sha256);
  expect((peak - baseline) / MiB).toBeLessThan(150);
});
