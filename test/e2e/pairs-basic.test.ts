/**
 * The whole spine through the public interface: generated shards → `vlmflow run --local`
 * (compiled ASL in the local runner, real handlers in worker threads) → curated shards,
 * rejects, stats and a dataset manifest on disk.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { vlmflow } from '../helpers/cli';
import { readShard } from '../../lambdas/shards/tar-reader';
import type { RunSummary, ShardStats } from '../../core/contracts';
import type { DatasetManifest } from '../../core/manifests';
import {
  EXPECTED_REJECTION,
  makeSampleShards,
  type SampleShardsInfo,
} from '../fixtures/sample-shards';

const sum = (counts: Readonly<Record<string, number>>) =>
  Object.values(counts).reduce((a, b) => a + b, 0);
const sha256File = async (file: string) => {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
};

describe('vlmflow run pairs-basic --local', () => {
  let dir: string;
  let input: string;
  let info: SampleShardsInfo;
  let summary: RunSummary;
  let runRoot: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-e2e-'));
    input = path.join(dir, 'input');
    info = await makeSampleShards(input, { shards: 3, samplesPerShard: 40, seed: 11 });
    const result = await vlmflow([
      'run',
      'pairs-basic',
      '--local',
      '--input',
      input,
      '--workdir',
      path.join(dir, 'work'),
      '--run-id',
      'e2e',
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    summary = JSON.parse(result.stdout) as RunSummary;
    runRoot = path.join(dir, 'work', 'runs', 'pairs-basic', 'e2e');
  }, 300_000);

  it('prints the documented summary', () => {
    expect(Object.keys(summary).slice(0, 1)).toEqual(['runId']);
    expect(summary.runId).toBe('e2e');
    expect(summary.status).toBe('SUCCEEDED');
    expect(Object.keys(summary.stages)).toEqual(['pairs']);
    expect(summary.outputs).toEqual({ pairs: `file://${runRoot}/datasets/pairs/manifest.json` });
  });

  it('rejects exactly the broken samples, each with its operator and reason', () => {
    const expected: Record<string, number> = {};
    for (const [kind, n] of Object.entries(info.kinds)) {
      const r = EXPECTED_REJECTION[kind as keyof typeof EXPECTED_REJECTION];
      if (r && n > 0) expected[`${r.op}:${r.reason}`] = (expected[`${r.op}:${r.reason}`] ?? 0) + n;
    }
    const pairs = summary.stages.pairs!;
    expect(pairs.in).toBe(120);
    expect(pairs.rejected).toEqual(expected);
    expect(pairs.kept).toBe(info.kinds.ok);
    expect(pairs.in).toBe(pairs.kept + sum(pairs.rejected));
  });

  it('keeps in = kept + Σ rejected for every shard, and the shards hold exactly those samples', async () => {
    const statsFiles = (await readdir(path.join(runRoot, 'stats', 'pairs'))).sort();
    expect(statsFiles).toEqual(['pairs-000000.json', 'pairs-000001.json', 'pairs-000002.json']);
    let kept = 0;
    for (const file of statsFiles) {
      const stats = JSON.parse(
        await readFile(path.join(runRoot, 'stats', 'pairs', file), 'utf8'),
      ) as ShardStats;
      expect(stats.in).toBe(40);
      expect(stats.in).toBe(stats.kept + sum(stats.rejected));
      const keptKeys: string[] = [];
      for await (const r of readShard(createReadStream(new URL(stats.output.uri)))) {
        if (r.kind === 'sample') {
          keptKeys.push(r.sample.key);
          expect(info.sampleKinds[r.sample.key]).toBe('ok');
          expect(Object.keys(r.sample.parts).sort()).toEqual(['jpg', 'json', 'txt']);
        }
      }
      expect(keptKeys).toHaveLength(stats.kept);
      const rejected: string[] = [];
      for await (const r of readShard(createReadStream(new URL(stats.rejects.uri)))) {
        if (r.kind !== 'sample') continue;
        const tag = (
          JSON.parse(r.sample.parts.json!.toString('utf8')) as {
            reject: { op: string; reason: string };
          }
        ).reject;
        const want = EXPECTED_REJECTION[info.sampleKinds[r.sample.key]!];
        expect(tag).toMatchObject({ op: want?.op, reason: want?.reason });
        rejected.push(r.sample.key);
      }
      expect(rejected).toHaveLength(stats.in - stats.kept);
      kept += stats.kept;
    }
    expect(kept).toBe(summary.stages.pairs!.kept);
  });

  it('resizes kept images to at most 980 px on the longest edge', async () => {
    const sharp = (await import('sharp')).default;
    const tar = path.join(runRoot, 'stages', 'pairs', 'pairs-000000.tar');
    for await (const r of readShard(createReadStream(tar))) {
      if (r.kind !== 'sample') continue;
      const meta = await sharp(r.sample.parts.jpg!).metadata();
      expect(meta.format).toBe('jpeg');
      expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(980);
    }
  });

  it('writes a dataset manifest whose sizes and sha256 match the shards, with lineage', async () => {
    const manifest = JSON.parse(
      await readFile(path.join(runRoot, 'datasets', 'pairs', 'manifest.json'), 'utf8'),
    ) as DatasetManifest;
    expect(manifest.kind).toBe('dataset');
    expect(manifest.shards).toHaveLength(3);
    for (const shard of manifest.shards)
      expect(shard.sha256).toBe(await sha256File(new URL(shard.uri).pathname));
    expect(manifest.counts.kept).toBe(summary.stages.pairs!.kept);
    expect(manifest.lineage).toMatchObject({
      pipeline: 'pairs-basic',
      params: { minSide: 200, longestEdge: 980 },
      version: '0.1.0',
    });
    expect(manifest.lineage.definitionHash).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.failedShards).toEqual([]);
  });

  it('applies --param overrides and rejects a bad one with a message naming the field', async () => {
    const loose = await vlmflow([
      'run',
      'pairs-basic',
      '--local',
      '--input',
      input,
      '--workdir',
      path.join(dir, 'work'),
      '--param',
      'minSide=1',
      '--param',
      'maxAspectRatio=100',
      '--json',
    ]);
    expect(loose.code).toBe(0);
    const s = JSON.parse(loose.stdout) as RunSummary;
    expect(s.stages.pairs!.rejected['image.size:too_small']).toBeUndefined();
    expect(s.stages.pairs!.rejected['image.size:bad_aspect_ratio']).toBeUndefined();

    const bad = await vlmflow([
      'run',
      'pairs-basic',
      '--local',
      '--input',
      input,
      '--workdir',
      path.join(dir, 'work'),
      '--param',
      'minSide=0',
      '--json',
    ]);
    expect(bad.code).toBe(1);
    const failed = JSON.parse(bad.stdout) as RunSummary;
    expect(failed.status).toBe('FAILED');
    expect(failed.error?.error).toBe('ParamError');
    expect(failed.error?.cause).toContain('params.minSide: 0 is below the minimum 1');
  }, 300_000);

  it('skips shards already done when a run id is run again', async () => {
    const again = await vlmflow([
      'run',
      'pairs-basic',
      '--local',
      '--input',
      input,
      '--workdir',
      path.join(dir, 'work'),
      '--run-id',
      'e2e',
      '--json',
    ]);
    expect(again.code).toBe(0);
    const s = JSON.parse(again.stdout) as RunSummary;
    expect(s.stages).toEqual(summary.stages);
    const pending = JSON.parse(
      await readFile(path.join(runRoot, 'manifests', 'pairs.json'), 'utf8'),
    ) as unknown[];
    expect(pending).toEqual([]);
  }, 300_000);

  it('names the flag or source in CLI errors', async () => {
    const unknown = await vlmflow(['run', 'pairs-basic', '--local', '--param', 'nope=1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      '--param nope: unknown parameter (known: maxConcurrency, toleratedFailurePercentage, statsInJson, minSide',
    );
    const missing = await vlmflow(['run', 'no-such-pipeline', '--local']);
    expect(missing.stderr).toMatch(
      /no pipeline "no-such-pipeline" in \S+pipelines \(known: [a-z, -]*pairs-basic/,
    );
  });
});
