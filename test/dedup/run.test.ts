/**
 * Run-scoped dedup end to end through the CLI: three real shards with exact and near duplicates
 * across shards (and one within a shard) → `vlmflow run <fixture> --local` → exactly the
 * expected samples rejected, with the kept sample named, and the counts balanced per shard.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RunSummary } from '../../core/contracts';
import { rejectsOf, runDedupFixture } from './cli-run';
import { makeDedupShards } from './shards';

const runFixture = (input: string, workdir: string, runId: string) =>
  runDedupFixture('dedup-run', ['exact', 'near'], input, workdir, runId);

describe('run-scoped dedup, vlmflow run --local', () => {
  let dir: string;
  let input: string;
  let summary: RunSummary;
  let runRoot: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-dedup-'));
    input = path.join(dir, 'input');
    await makeDedupShards(input);
    summary = await runFixture(input, path.join(dir, 'work'), 'r1');
    runRoot = path.join(dir, 'work', 'runs', 'dedup-run', 'r1');
  }, 300_000);

  it('counts every sample once across the three maps: in = kept + Σ rejected', () => {
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.stages.exact).toEqual({
      in: 12,
      kept: 7,
      rejected: {
        'dedup.exact:duplicate': 3,
        'image.size:too_small': 1,
        'text.length:too_short': 1,
      },
    });
    expect(summary.stages.near).toEqual({
      in: 12,
      kept: 5,
      rejected: {
        'dedup.phash:near_duplicate': 5,
        'image.size:too_small': 1,
        'text.length:too_short': 1,
      },
    });
  });

  it('exact: drops byte-identical images across and within shards, keeping the smallest (shard, key)', async () => {
    expect(await rejectsOf(runRoot, 'exact')).toEqual({
      'shard-0/s0-tiny': 'image.size:too_small 16x16',
      'shard-0/s0-d': 'text.length:too_short 1 words, 1 chars',
      'shard-1/s1-b-copy': 'dedup.exact:duplicate kept shard-0/s0-b',
      'shard-2/s2-e-copy': 'dedup.exact:duplicate kept shard-1/s1-e',
      'shard-2/s2-g-copy-of-f': 'dedup.exact:duplicate kept shard-2/s2-f',
    });
  });

  it('phash: also drops the re-encoded and the resized copies, naming the kept sample and the distance', async () => {
    const rejects = await rejectsOf(runRoot, 'near');
    expect(Object.keys(rejects).sort()).toEqual([
      'shard-0/s0-d',
      'shard-0/s0-tiny',
      'shard-1/s1-a-reencoded',
      'shard-1/s1-b-copy',
      'shard-2/s2-c-resized',
      'shard-2/s2-e-copy',
      'shard-2/s2-g-copy-of-f',
    ]);
    expect(rejects['shard-1/s1-b-copy']).toBe(
      'dedup.phash:near_duplicate kept shard-0/s0-b (distance 0)',
    );
    expect(rejects['shard-2/s2-e-copy']).toBe(
      'dedup.phash:near_duplicate kept shard-1/s1-e (distance 0)',
    );
    expect(rejects['shard-2/s2-g-copy-of-f']).toBe(
      'dedup.phash:near_duplicate kept shard-2/s2-f (distance 0)',
    );
    expect(rejects['shard-1/s1-a-reencoded']).toMatch(
      /^dedup\.phash:near_duplicate kept shard-0\/s0-a \(distance [0-4]\)$/,
    );
    expect(rejects['shard-2/s2-c-resized']).toMatch(
      /^dedup\.phash:near_duplicate kept shard-0\/s0-c \(distance [0-4]\)$/,
    );
  });

  it('resumes: a rerun of the run id skips finished shards and partitions and reports the same counts', async () => {
    const again = await runFixture(input, path.join(dir, 'work'), 'r1');
    expect(again.stages).toEqual(summary.stages);
    const generations = await readdir(path.join(runRoot, 'dedup', 'near', 'generations'));
    expect(generations).toHaveLength(1);
    const pending = JSON.parse(
      await readFile(path.join(runRoot, 'manifests', 'near.dedup.json'), 'utf8'),
    ) as unknown[];
    expect(pending).toEqual([]);
  }, 300_000);

  it('is deterministic: another run id makes byte-identical datasets', async () => {
    const other = await runFixture(input, path.join(dir, 'work'), 'r2');
    expect(other.stages).toEqual(summary.stages);
    for (const stage of ['exact', 'near']) {
      const read = async (runId: string) =>
        JSON.parse(
          await readFile(
            path.join(dir, 'work', 'runs', 'dedup-run', runId, 'datasets', stage, 'manifest.json'),
            'utf8',
          ),
        ) as { shards: { sha256: string }[] };
      expect((await read('r2')).shards.map((s) => s.sha256)).toEqual(
        (await read('r1')).shards.map((s) => s.sha256),
      );
    }
  }, 300_000);
});
