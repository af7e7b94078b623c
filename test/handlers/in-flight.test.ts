/**
 * Several samples in flight: the kept and rejected shards, counts and reasons are the same
 * bytes whatever the number in flight, and an operator with state (not `concurrent`) still
 * sees the samples in shard order, one at a time.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { createShardHandler } from '../../lambdas/handlers/curate';
import { keptShardUri, rejectsShardUri, statsUri } from '../../core/layout';
import { runShardLoop, type ChainLink } from '../../lambdas/handlers/shard-loop';
import type { OperatorInstance } from '../../core/ops/operator';
import type { Sample } from '../../core/ops/sample';
import type { SourceRecord } from '../../lambdas/sources/records';
import { joinUri, toFilePath } from '../../core/uri';
import pairsBasic from '../../pipelines/pairs-basic';
import { pairsBasicEvent } from '../bench/curate-bench-setup';
import { brokenImages, photo } from '../fixtures/images';
import { goodPair, sampleOf, tempDir, writeShard, type TempDir } from './helpers';

let dir: TempDir;
let shardUri: string;

/** Every outcome pairs-basic has for pairs, duplicates of both kinds among them. */
beforeAll(async () => {
  dir = await tempDir();
  shardUri = joinUri(dir.uri, 'input', 'shard-000.tar');
  const broken = await brokenImages();
  const lake = await photo(640, 480, { seed: 21 });
  const samples: Sample[] = [];
  for (let i = 0; i < 10; i++) samples.push(await goodPair(`good-${i}`, 100 + i));
  samples.splice(
    3,
    0,
    sampleOf('lake', { jpg: lake, txt: 'a mountain lake seen from the shore' }),
    sampleOf('lake-copy', { jpg: lake, txt: 'the same file under another caption' }),
    sampleOf('lake-reencoded', {
      jpg: await sharp(lake).resize(600).jpeg({ quality: 70 }).toBuffer(),
      txt: 'the lake again, smaller and re-encoded',
    }),
    sampleOf('truncated', { jpg: broken.truncatedJpeg, txt: 'an interrupted download' }),
    sampleOf('not-an-image', { jpg: broken.textBytes, txt: 'a page saved as an image' }),
    sampleOf('tiny', { jpg: await photo(120, 90, { seed: 5 }), txt: 'a photo far too small' }),
    sampleOf('short', { jpg: await photo(400, 300, { seed: 6 }), txt: 'hi' }),
  );
  await writeShard(shardUri, samples);
});
afterAll(() => dir.remove());

async function curateWith(inFlight: number) {
  const runId = `in-flight-${inFlight}`;
  const runRoot = joinUri(dir.uri, 'runs', runId);
  const event = pairsBasicEvent(runRoot, runId, { key: 'shard-000', uri: shardUri });
  const result = await createShardHandler(pairsBasic.operators, { inFlight })(event);
  const { stage } = event.task;
  const bytes = (uri: string) => readFile(toFilePath(uri));
  const stats = JSON.parse((await bytes(statsUri(runRoot, stage, 'shard-000'))).toString());
  return {
    result,
    kept: await bytes(keptShardUri(runRoot, stage, 'shard-000')),
    rejects: await bytes(rejectsShardUri(runRoot, stage, 'shard-000', 0)),
    counts: { in: stats.in, kept: stats.kept, rejected: stats.rejected },
  };
}

describe('samples in flight', () => {
  test('pairs-basic writes the same bytes with 1, 3 or 8 samples in flight', async () => {
    const one = await curateWith(1);
    expect(one.result.in).toBe(17);
    expect(one.result.rejected).toMatchObject({
      'dedup.exact:duplicate': 1,
      'image.size:too_small': 1,
      'text.length:too_short': 1,
    });
    expect(one.result.kept + Object.values(one.result.rejected).reduce((a, b) => a + b)).toBe(17);
    for (const inFlight of [3, 8]) {
      const many = await curateWith(inFlight);
      expect(many.result).toEqual(one.result);
      expect(many.counts).toEqual(one.counts);
      expect(many.kept.equals(one.kept)).toBe(true);
      expect(many.rejects.equals(one.rejects)).toBe(true);
    }
  });

  test('a stateful operator sees samples in order, one at a time; a concurrent one overlaps', async () => {
    const seen: string[] = [];
    let busy = 0;
    let overlapsOrdered = 0;
    let running = 0;
    let mostConcurrent = 0;
    // Delays from a fixed sequence, so later samples often finish the concurrent step first.
    const delays = [9, 1, 6, 0, 4, 8, 2, 7, 3, 5];
    const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const concurrent: OperatorInstance<string> = {
      concurrent: true,
      async process(sample) {
        running++;
        mostConcurrent = Math.max(mostConcurrent, running);
        await tick(delays[Number(sample.key) % delays.length]!);
        running--;
        return { keep: true, sample };
      },
    };
    const ordered: OperatorInstance<string> = {
      async process(sample) {
        if (busy++ > 0) overlapsOrdered++;
        seen.push(sample.key);
        await tick(1);
        busy--;
        // Every third sample is rejected, so later ones skip nothing they should not.
        return Number(sample.key) % 3 === 0
          ? { keep: false, reason: 'third' }
          : { keep: true, sample };
      },
    };
    const chain: ChainLink[] = [
      { op: 'test.concurrent', instance: concurrent },
      { op: 'test.ordered', instance: ordered },
    ];
    const keys = Array.from({ length: 20 }, (_, i) => String(i));
    async function* records(): AsyncIterable<SourceRecord> {
      for (const key of keys) yield { kind: 'sample', sample: { key, parts: {} } };
    }
    const written: string[] = [];
    const sink = { add: (sample: Sample) => written.push(sample.key) };
    const result = await runShardLoop(
      records(),
      chain,
      { kept: sink, rejected: sink },
      {
        inFlight: 4,
      },
    );
    expect(seen).toEqual(keys);
    expect(overlapsOrdered).toBe(0);
    expect(mostConcurrent).toBeGreaterThan(1);
    expect(mostConcurrent).toBeLessThanOrEqual(4);
    expect(written).toEqual(keys);
    expect(result).toMatchObject({ in: 20, kept: 13, rejected: { 'test.ordered:third': 7 } });
  });
});
