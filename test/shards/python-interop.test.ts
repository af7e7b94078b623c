/**
 * Shards written by ShardWriter are read by Python's tarfile and by the webdataset package
 * (test/python/read_shards.py), and both see exactly the samples that were written.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Sample } from '../../core/ops/sample';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import { toFileUri } from '../../core/uri';

const SCRIPT = path.join(__dirname, '..', 'python', 'read_shards.py');

interface PythonSample {
  key: string;
  exts: string[];
  sizes: Record<string, number>;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-interop-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeShard(name: string, samples: readonly Sample[]): Promise<void> {
  const writer = new ShardWriter(toFileUri(path.join(dir, name)));
  for (const sample of samples) await writer.add(sample);
  await writer.close();
}

function expected(samples: readonly Sample[]): PythonSample[] {
  return samples.map((sample) => {
    const exts = Object.keys(sample.parts).sort();
    return {
      key: sample.key,
      exts,
      sizes: Object.fromEntries(exts.map((ext) => [ext, sample.parts[ext]?.length ?? 0])),
    };
  });
}

it('writes shards that tarfile and webdataset read back exactly', async () => {
  const photo = await sharp({
    create: { width: 64, height: 48, channels: 3, background: '#3a6ea5' },
  })
    .jpeg()
    .toBuffer();
  const mask = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#000' } })
    .greyscale()
    .png()
    .toBuffer();
  const first: Sample[] = [
    {
      key: 'web/000001',
      parts: {
        jpg: photo,
        txt: Buffer.from('a blue rectangle'),
        json: Buffer.from('{"url":"https://example.com/1.jpg"}'),
      },
    },
    { key: 'web/000002', parts: { jpg: photo, 'seg.png': mask, txt: Buffer.alloc(0) } },
    {
      key: `long/${'k'.repeat(120)}`,
      parts: { txt: Buffer.from('name longer than a ustar header holds') },
    },
    { key: 'café/0003', parts: { txt: Buffer.from('non-ASCII key') } },
  ];
  const second: Sample[] = Array.from({ length: 25 }, (_, i) => ({
    key: `s-${String(i).padStart(4, '0')}`,
    parts: { cls: Buffer.from(String(i % 3)), bin: Buffer.alloc(1000 + i * 37, i) },
  }));
  await writeShard('shard-000000.tar', first);
  await writeShard('shard-000001.tar', second);
  await writeShard('shard-000002.tar', []);

  const run = spawnSync('python3', [SCRIPT, dir], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.error || run.status !== 0) {
    throw new Error(
      `python3 ${SCRIPT} failed (needs python3 with the webdataset package): ${run.error?.message ?? ''}\n${run.stderr}`,
    );
  }
  expect(JSON.parse(run.stdout)).toEqual({
    'shard-000000.tar': expected(first),
    'shard-000001.tar': expected(second),
    'shard-000002.tar': [],
  });
});
