import type { FinalizeEvent, PlanEvent, RunContext } from '../../core/contracts';
import { handler as curate } from '../../lambdas/handlers/curate';
import { handler as finalize, MAX_FAILED_NAMES } from '../../lambdas/handlers/finalize';
import type { DatasetManifest } from '../../core/manifests';
import { handler as plan } from '../../lambdas/handlers/plan';
import { imageSize } from '../../lambdas/ops/index';
import { readJson, writeJson } from '../../lambdas/shards/json-io';
import { joinUri, LOCAL_BUCKET, toLocation } from '../../core/uri';
import { photo } from '../fixtures/images';
import { goodPair, sampleOf, tempDir, writeShard, type TempDir } from './helpers';

let dir: TempDir;
let context: RunContext;
const ops = [imageSize({ minSide: 200 })];

beforeAll(async () => {
  dir = await tempDir();
  const source = joinUri(dir.uri, 'web');
  const small = sampleOf('000009', { jpg: await photo(100, 100), txt: 'too small' });
  await writeShard(joinUri(source, 'a.tar'), [
    await goodPair('000001'),
    await goodPair('000002', 2),
    small,
  ]);
  await writeShard(joinUri(source, 'b.tar'), [small]);
  await writeShard(joinUri(source, 'c.tar'), [await goodPair('000003', 3)]);
  const event: PlanEvent = {
    pipeline: 'demo',
    definitionHash: 'h',
    version: '1',
    dataRoot: dir.uri,
    input: { runId: 'r1' },
    executionName: 'e',
    paramSpecs: {},
    sources: [{ name: 'web', uri: source, pattern: '*.tar' }],
  };
  context = await plan(event);
  // a and b finish; c fails past its retries (no marker).
  for (const item of [
    { key: 'a', uri: joinUri(source, 'a.tar') },
    { key: 'b', uri: joinUri(source, 'b.tar') },
  ]) {
    await curate({
      task: {
        pipeline: 'demo',
        stage: 'web',
        runId: 'r1',
        runRoot: context.runRoot,
        params: {},
        item,
        segments: [{ fn: 'curate', ops }],
      },
      segment: 0,
    });
  }
});
afterAll(() => dir.remove());

function finalizeEvent(mapResult: unknown): FinalizeEvent {
  return {
    pipeline: 'demo',
    stage: 'web',
    runId: 'r1',
    runRoot: context.runRoot,
    plan: context.stages.web!,
    lineage: context.lineage,
    mapResult,
  };
}

/** What a Distributed Map's ResultWriter leaves: manifest.json naming FAILED_*.json files. */
async function writeMapResult(): Promise<unknown> {
  const prefix = joinUri(context.runRoot, 'results', 'web', 'map-run-1');
  const failed = joinUri(prefix, 'FAILED_0.json');
  await writeJson(failed, [
    {
      Input: JSON.stringify({ task: { item: { key: 'c', uri: 'ignored' } }, segment: 0 }),
      Error: 'ShardError',
      Cause: '{"errorMessage":"stage \\"web\\" shard \\"c\\": boom"}',
      Status: 'FAILED',
    },
  ]);
  const manifest = joinUri(prefix, 'manifest.json');
  await writeJson(manifest, {
    DestinationBucket: LOCAL_BUCKET,
    MapRunArn: 'arn:aws:states:local:map-run-1',
    ResultFiles: { FAILED: [{ Key: toLocation(failed).Key, Size: 1 }], PENDING: [], SUCCEEDED: [] },
  });
  return { MapRunArn: 'arn:aws:states:local:map-run-1', ResultWriterDetails: toLocation(manifest) };
}

describe('finalize', () => {
  test('aggregates the stats markers into the dataset manifest and names the failed shard', async () => {
    const ref = await finalize(finalizeEvent(await writeMapResult()));
    const manifestUri = joinUri(context.runRoot, 'datasets', 'web', 'manifest.json');
    expect(ref).toEqual({
      dataset: 'web',
      manifestUri,
      shards: 2,
      in: 4,
      kept: 2,
      rejected: { 'image.size:too_small': 2 },
      failedShards: ['c'],
      failedShardCount: 1,
    });
    const manifest = await readJson<DatasetManifest>(manifestUri);
    expect(manifest).toMatchObject({
      kind: 'dataset',
      name: 'web',
      pipeline: 'demo',
      runId: 'r1',
      lineage: context.lineage,
    });
    expect(manifest.counts).toEqual({ in: 4, kept: 2, rejected: { 'image.size:too_small': 2 } });
    // b kept nothing and is still listed.
    expect(manifest.shards.map(({ key, uri, samples }) => ({ key, uri, samples }))).toEqual([
      { key: 'a', uri: joinUri(context.runRoot, 'stages', 'web', 'a.tar'), samples: 2 },
      { key: 'b', uri: joinUri(context.runRoot, 'stages', 'web', 'b.tar'), samples: 0 },
    ]);
    expect(manifest.shards[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.shards[0]!.bytes).toBeGreaterThan(0);
    expect(manifest.rejects).toEqual([
      { uri: joinUri(context.runRoot, 'rejects', 'web', 'a.tar'), samples: 1 },
      { uri: joinUri(context.runRoot, 'rejects', 'web', 'b.tar'), samples: 1 },
    ]);
    expect(manifest.failedShards).toEqual([
      {
        key: 'c',
        uri: joinUri(dir.uri, 'web', 'c.tar'),
        error: 'ShardError',
        cause: '{"errorMessage":"stage \\"web\\" shard \\"c\\": boom"}',
      },
    ]);
  });

  test('without a readable map result the markers alone decide', async () => {
    for (const mapResult of [
      undefined,
      {},
      { ResultWriterDetails: { Bucket: LOCAL_BUCKET, Key: '/nowhere/manifest.json' } },
    ]) {
      const ref = await finalize(finalizeEvent(mapResult));
      expect([ref.failedShards, ref.failedShardCount, ref.kept]).toEqual([['c'], 1, 2]);
    }
    const manifest = await readJson<DatasetManifest>(
      joinUri(context.runRoot, 'datasets', 'web', 'manifest.json'),
    );
    expect(manifest.failedShards).toEqual([{ key: 'c', uri: joinUri(dir.uri, 'web', 'c.tar') }]);
  });

  test('the returned list of failed shards is capped; the manifest keeps them all', async () => {
    const runRoot = joinUri(dir.uri, 'runs', 'demo', 'many');
    const items = Array.from({ length: MAX_FAILED_NAMES + 5 }, (_, i) => ({
      key: `s${i}`,
      uri: `file:///in/s${i}.tar`,
    }));
    const allShards = joinUri(runRoot, 'manifests', 'web.all.json');
    await writeJson(allShards, items);
    const ref = await finalize({
      ...finalizeEvent(undefined),
      runRoot,
      plan: { ...context.stages.web!, allShards: toLocation(allShards) },
    });
    expect(ref.failedShards).toHaveLength(MAX_FAILED_NAMES);
    expect(ref.failedShardCount).toBe(MAX_FAILED_NAMES + 5);
    expect([ref.in, ref.kept, ref.shards]).toEqual([0, 0, 0]);
    const manifest = await readJson<DatasetManifest>(ref.manifestUri);
    expect(manifest.failedShards).toHaveLength(MAX_FAILED_NAMES + 5);
  });
});
