/**
 * The small-scale version of test/bench/scale.bench.ts: 300 tiny shards through the local
 * runner (compiled ASL, worker processes). Every shard is accounted for, and the data passed
 * between states stays small however many shards there are; the Map's result files list every
 * shard in order.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compile } from '../../infra/compiler';
import { productionHandler } from '../../infra/local/handlers';
import { stateDataBytes } from '../../infra/local/lambda-invoke';
import { runLocal } from '../../infra/local/runner';
import type { RunSummary } from '../../core/contracts';
import type { DatasetManifest } from '../../core/manifests';
import { readJson } from '../../lambdas/shards/json-io';
import tinyText from './fixtures/tiny-text';
import { makeTinyShards, TINY_PIPELINE_MODULE } from './scale-fixtures';

const SHARDS = 300;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-scale-'));
  await makeTinyShards(path.join(dir, 'inputs', 'texts'), SHARDS);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it(`runs ${SHARDS} shards with every sample accounted for and small state data`, async () => {
  const sizes: number[] = [];
  const result = await runLocal({
    definition: compile(tinyText.graph).definition,
    pipeline: { name: 'tiny-text', modulePath: TINY_PIPELINE_MODULE },
    dataRoot: dir,
    input: { runId: 'scale' },
    concurrency: 2,
    handlers: {
      finalize: async (event) => {
        const ref = await productionHandler('finalize')(event);
        sizes.push(stateDataBytes(event), stateDataBytes(ref));
        return ref;
      },
    },
  });
  expect(result.status).toBe('SUCCEEDED');
  const summary = result.output as unknown as RunSummary;
  expect(summary.stages).toEqual({
    texts: { in: 2 * SHARDS, kept: SHARDS, rejected: { 'text.length:too_short': SHARDS } },
  });
  const runRoot = path.join(dir, 'runs', 'tiny-text', 'scale');
  expect((await readdir(path.join(runRoot, 'stats', 'texts'))).length).toBe(SHARDS);
  const manifest = await readJson<DatasetManifest>(
    path.join(runRoot, 'datasets', 'texts', 'manifest.json'),
  );
  expect(manifest.shards.map((s) => s.key)).toEqual(
    Array.from({ length: SHARDS }, (_, i) => `t-${String(i).padStart(6, '0')}`),
  );
  expect(manifest.shards.every((s) => s.samples === 1)).toBe(true);
  // The Map's ResultWriter files (spooled as shards finish, not kept in memory) list every
  // shard once, in item order.
  const [mapRunId] = await readdir(path.join(runRoot, 'results', 'texts'));
  const results = await readJson<{ ResultFiles: Record<string, { Key: string }[]> }>(
    path.join(runRoot, 'results', 'texts', mapRunId!, 'manifest.json'),
  );
  expect(results.ResultFiles.FAILED).toEqual([]);
  const succeeded: { Input: string }[] = [];
  for (const file of results.ResultFiles.SUCCEEDED!)
    succeeded.push(...(await readJson<{ Input: string }[]>(file.Key)));
  expect(succeeded.map((e) => (JSON.parse(e.Input) as { item: { key: string } }).item.key)).toEqual(
    manifest.shards.map((s) => s.key),
  );
  // What Finalize gets and returns holds locations and counts, not a list per shard.
  expect(Math.max(...sizes)).toBeLessThan(8 * 1024);
  expect(stateDataBytes(summary)).toBeLessThan(4 * 1024);
}, 300_000);
