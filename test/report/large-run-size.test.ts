/**
 * A run of 10,000 shards (stats and timings JSON only, every stats marker pointing at a few real
 * tars) keeps its report under 5 MB: galleries read a fixed number of shards, thumbnails share
 * one byte budget, tables are capped, and the totals are streamed from all 20,000 files.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildReport } from '../../lambdas/report';
import type { ShardStats } from '../../core/contracts';
import { ShardWriter } from '../../lambdas/shards/tar-writer';
import { photo } from '../fixtures/images';

const SHARDS = 10_000;
const REASONS = Array.from(
  { length: 30 },
  (_, i) => `custom.op${i % 3}:reason_${String(i).padStart(2, '0')}`,
);
const MAX_REPORT_BYTES = 5 * 1024 * 1024;

async function writeTar(file: string, samples: number, reject: (i: number) => string | undefined) {
  const writer = new ShardWriter(`file://${file}`);
  for (let i = 0; i < samples; i++) {
    const reason = reject(i);
    const tag = reason
      ? { reject: { op: reason.split(':')[0], reason: reason.split(':')[1], detail: `#${i}` } }
      : {};
    await writer.add({
      key: `s${String(i).padStart(5, '0')}`,
      parts: {
        jpg: await photo(640, 480, { seed: i + 1 }),
        txt: Buffer.from(`a photo number ${i} of something`),
        json: Buffer.from(JSON.stringify({ alt: `alt text ${i}`, ...tag })),
      },
    });
  }
  return writer.close();
}

describe('report of a 10,000-shard run', () => {
  let dir: string;
  let runRoot: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-report-large-'));
    runRoot = path.join(dir, 'runs', 'big', 'r1');
    const tars = path.join(dir, 'tars');
    await mkdir(tars, { recursive: true });
    const kept = await writeTar(path.join(tars, 'kept.tar'), 30, () => undefined);
    const rejects = await writeTar(
      path.join(tars, 'rejects.tar'),
      240,
      (i) => REASONS[i % REASONS.length],
    );
    await mkdir(path.join(runRoot, 'stats', 'web'), { recursive: true });
    await mkdir(path.join(runRoot, 'timings', 'web'), { recursive: true });
    for (let start = 0; start < SHARDS; start += 500) {
      await Promise.all(
        Array.from({ length: 500 }, async (_, offset) => {
          const n = start + offset;
          const shard = `web-${String(n).padStart(6, '0')}`;
          const rejected = {
            [REASONS[n % REASONS.length]!]: 3,
            [REASONS[(n + 7) % REASONS.length]!]: 2,
          };
          const stats: ShardStats = {
            stage: 'web',
            shard,
            input: `s3://in/${shard}.tar`,
            in: 100,
            kept: 95,
            rejected,
            output: kept,
            rejects,
          };
          await writeFile(
            path.join(runRoot, 'stats', 'web', `${shard}.json`),
            JSON.stringify(stats),
          );
          const timings = {
            stage: 'web',
            shard,
            segment: 0,
            ms: { 'custom.op0': 10, 'custom.op1': 2.5 },
          };
          await writeFile(
            path.join(runRoot, 'timings', 'web', `${shard}.json`),
            JSON.stringify(timings),
          );
        }),
      );
    }
  }, 300_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('stays under 5 MB and counts every shard', async () => {
    const page = await buildReport(`file://${runRoot}`);
    expect(Buffer.byteLength(page)).toBeLessThan(MAX_REPORT_BYTES);
    expect(page).toContain('data-count="in">1000000<');
    expect(page).toContain('data-count="kept">950000<');
    expect(page).toContain('data-count="shards">10000<');
    // Every reason has a gallery, each capped at 6 examples.
    for (const reason of REASONS) expect(page).toContain(`data-gallery="${reason}"`);
    const rejectCards = page.match(/class="card reject"/g) ?? [];
    expect(rejectCards.length).toBe(REASONS.length * 6);
    expect(page.match(/class="card"/g)?.length).toBe(24);
  }, 300_000);
});
