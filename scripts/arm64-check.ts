/**
 * Runs the curate Lambda bundle synthesised for arm64 (Graviton) under qemu-user on a small
 * pairs-basic shard, and the same handler natively (x86_64), and compares what they wrote:
 * counts and reasons must match; image bytes are reported (libvips may take other SIMD paths).
 * Set up and called by scripts/arm64-check.sh.
 *
 *   node --import tsx scripts/arm64-check.ts <curate asset dir> <arm64 node binary> <work dir>
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ShardEvent, ShardResult } from '../core/contracts';
import { keptShardUri } from '../core/layout';
import { toFileUri } from '../core/uri';
import { createShardHandler } from '../lambdas/handlers/curate';
import { readShard } from '../lambdas/shards/tar-reader';
import { storageFor } from '../lambdas/shards/storage';
import { ShardWriter } from '../lambdas/shards/tar-writer';
import pairsBasic from '../pipelines/pairs-basic';
import { pairsBasicEvent } from '../test/bench/curate-bench-setup';
import { brokenImages, photo } from '../test/fixtures/images';
import { makeBenchImages } from '../test/fixtures/sample-shards';

const IN_FLIGHT = 3;

async function writeInput(dir: string): Promise<string> {
  const file = path.join(dir, 'input', 'check-000000.tar');
  await mkdir(path.dirname(file), { recursive: true });
  const writer = new ShardWriter(file);
  const caption = Buffer.from('a photo of a mountain lake at dawn');
  const images = await makeBenchImages(8, 3);
  const broken = await brokenImages();
  const extra: [string, Buffer, Buffer][] = [
    ['copy', images[0]!, caption],
    ['truncated', broken.truncatedJpeg, caption],
    ['tiny', await photo(120, 90, { seed: 5 }), caption],
    ['short', await photo(400, 300, { seed: 6 }), Buffer.from('hi')],
  ];
  for (const [i, jpg] of images.entries())
    await writer.add({ key: `photo-${i}`, parts: { jpg, txt: caption } });
  for (const [key, jpg, txt] of extra) await writer.add({ key, parts: { jpg, txt } });
  await writer.close();
  return toFileUri(file);
}

async function keptMembers(event: ShardEvent): Promise<Map<string, Buffer>> {
  const uri = keptShardUri(event.task.runRoot, event.task.stage, event.task.item.key);
  const members = new Map<string, Buffer>();
  for await (const record of readShard(await storageFor(uri).read(uri)))
    if (record.kind === 'sample')
      for (const [ext, bytes] of Object.entries(record.sample.parts))
        members.set(`${record.sample.key}.${ext}`, bytes);
  return members;
}

async function main(): Promise<void> {
  const [assetDir, armNode, workDir] = process.argv.slice(2);
  if (!assetDir || !armNode || !workDir)
    throw new Error('usage: arm64-check.ts <curate asset dir> <arm64 node> <work dir>');
  const work = path.resolve(workDir);
  const item = { key: 'check-000000', uri: await writeInput(work) };
  const params = { longestEdge: 512 };
  const event = (arch: string) =>
    pairsBasicEvent(toFileUri(path.join(work, 'runs', arch)), arch, item, params);

  const native = await createShardHandler(pairsBasic.operators, { inFlight: IN_FLIGHT })(
    event('x86_64'),
  );
  const eventFile = path.join(work, 'event-arm64.json');
  await writeFile(eventFile, JSON.stringify(event('arm64')));
  const script = `require('./index.js').handler(JSON.parse(require('fs').readFileSync(${JSON.stringify(eventFile)}, 'utf8')), { functionName: 'curate', awsRequestId: 'arm64-check' }).then((r) => console.log('RESULT ' + JSON.stringify(r)), (e) => { console.error(e); process.exit(1); })`;
  const run = spawnSync(
    'qemu-aarch64',
    ['-L', '/usr/aarch64-linux-gnu', path.resolve(armNode), '-e', script],
    {
      cwd: assetDir,
      encoding: 'utf8',
      env: { ...process.env, VLMFLOW_IN_FLIGHT: String(IN_FLIGHT), NODE_OPTIONS: '' },
      timeout: 900_000,
    },
  );
  const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (run.status !== 0 || !line) {
    console.error(run.stdout, run.stderr);
    throw new Error(`the arm64 bundle failed under qemu (exit ${run.status})`);
  }
  const arm = JSON.parse(line.slice('RESULT '.length)) as ShardResult;
  console.log(`x86_64 (native):      ${JSON.stringify(native)}`);
  console.log(`arm64 (qemu-aarch64): ${JSON.stringify(arm)}`);
  if (JSON.stringify(arm) !== JSON.stringify(native))
    throw new Error('counts or reasons differ between arm64 and x86_64');

  const [x86Kept, armKept] = [
    await keptMembers(event('x86_64')),
    await keptMembers(event('arm64')),
  ];
  let identical = 0;
  let sizesEqual = 0;
  for (const [name, bytes] of x86Kept) {
    const other = armKept.get(name);
    if (!other) throw new Error(`arm64 did not keep ${name}`);
    if (other.equals(bytes)) identical++;
    if (name.endsWith('.jpg')) {
      const [a, b] = await Promise.all([sharp(bytes).metadata(), sharp(other).metadata()]);
      if (a.width === b.width && a.height === b.height) sizesEqual++;
    } else sizesEqual++;
  }
  console.log(
    `kept members: ${x86Kept.size}; byte-identical ${identical}; same dimensions ${sizesEqual}; sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`,
  );
  if (sizesEqual !== x86Kept.size) throw new Error('image dimensions differ');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
