/**
 * Determinism, resume and injected faults through `vlmflow run --local`: however a run is
 * interrupted or failed, rerunning its id ends with the same bytes as a clean run.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ShardStats } from '../../core/contracts';
import type { DatasetManifest } from '../../core/manifests';
import { readJson } from '../../lambdas/shards/json-io';
import { readShard } from '../../lambdas/shards/tar-reader';
import { storageFor } from '../../lambdas/shards/storage';
import { makeSampleShards, type SampleShardsInfo } from '../fixtures/sample-shards';
import { runJson, runRootOf, snapshot, spawnRun, type Snapshot } from './helpers';

const RUN_ID = 'rel-1';
const PENDING_MANIFEST = path.join('manifests', 'pairs.json');

/**
 * The reference outputs without the pending-shards manifest: on a rerun it lists only what
 * was left to do (by design), every other file is the same bytes.
 */
function withoutPending(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([rel]) => rel !== PENDING_MANIFEST));
}

let dir: string;
let input: string;
let info: SampleShardsInfo;
let reference: Snapshot;

async function keysOf(tarPath: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const record of readShard(await storageFor(tarPath).read(tarPath)))
    keys.push(record.kind === 'sample' ? record.sample.key : record.key);
  return keys;
}

/** Every input sample is in exactly one kept or rejects shard. */
async function expectEverySampleOnce(runRoot: string): Promise<void> {
  const keys: string[] = [];
  for (const folder of ['stages', 'rejects']) {
    const base = path.join(runRoot, folder, 'pairs');
    for (const name of (await readdir(base)).filter((n) => n.endsWith('.tar')).sort())
      keys.push(...(await keysOf(path.join(base, name))));
  }
  expect(keys.sort()).toEqual(Object.keys(info.sampleKinds).sort());
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-reliability-'));
  input = path.join(dir, 'input');
  info = await makeSampleShards(input, { shards: 6, samplesPerShard: 12, seed: 7 });
  const clean = await runJson('pairs-basic', input, path.join(dir, 'clean'), RUN_ID);
  expect(clean.summary.status).toBe('SUCCEEDED');
  reference = await snapshot(runRootOf(path.join(dir, 'clean'), 'pairs-basic', RUN_ID));
}, 300_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('determinism', () => {
  it('the same input, parameters and run id give byte-identical outputs in another workdir', async () => {
    const { summary } = await runJson('pairs-basic', input, path.join(dir, 'again'), RUN_ID);
    expect(summary.status).toBe('SUCCEEDED');
    const again = await snapshot(runRootOf(path.join(dir, 'again'), 'pairs-basic', RUN_ID));
    expect(Object.keys(reference.files).length).toBe(6 * 3 + 3); // stages, rejects, stats; 2 manifests + dataset
    expect(again).toEqual(reference);
  });

  it('rerunning a finished run id changes nothing and processes no shard again', async () => {
    const workdir = path.join(dir, 'clean');
    const { summary } = await runJson('pairs-basic', input, workdir, RUN_ID);
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.stages.pairs?.in).toBe(info.samples);
    const runRoot = runRootOf(workdir, 'pairs-basic', RUN_ID);
    // Nothing left to do: the pending manifest is empty, every other byte is unchanged.
    expect(await readJson(path.join(runRoot, PENDING_MANIFEST))).toEqual([]);
    const rerun = await snapshot(runRoot, [PENDING_MANIFEST]);
    expect(rerun.files).toEqual(withoutPending(reference.files));
  });
});

describe('resume', () => {
  it('a run killed part-way and rerun ends byte-identical to an uninterrupted run', async () => {
    const workdir = path.join(dir, 'killed');
    const runRoot = runRootOf(workdir, 'pairs-basic', RUN_ID);
    const args = ['run', 'pairs-basic', '--local', '--input', input, '--workdir', workdir];
    const started = spawnRun([...args, '--run-id', RUN_ID, '--concurrency', '1', '--json']);
    const statsDir = path.join(runRoot, 'stats', 'pairs');
    let markers: string[] = [];
    while (markers.length < 2) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      markers = (await readdir(statsDir).catch(() => [])).filter((n) => n.endsWith('.json'));
    }
    process.kill(-started.pid, 'SIGKILL'); // the CLI and its shard workers, mid-shard
    await started.exited;
    markers = (await readdir(statsDir)).filter((n) => n.endsWith('.json'));
    expect(markers.length).toBeLessThan(6);
    // A marker is written last: every shard it names is complete on disk.
    for (const marker of markers) {
      const stats = await readJson<ShardStats>(path.join(statsDir, marker));
      const kept = await storageFor(stats.output.uri).readBytes(stats.output.uri);
      expect(kept.length).toBe(stats.output.bytes);
    }

    const { summary } = await runJson('pairs-basic', input, workdir, RUN_ID);
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.stages.pairs?.in).toBe(info.samples);
    const resumed = await snapshot(runRoot, [PENDING_MANIFEST]);
    expect(resumed.files).toEqual(withoutPending(reference.files));
    await expectEverySampleOnce(runRoot);
  }, 120_000);
});

describe('injected faults', () => {
  it('--fail-rate 0.3 --fault throttle,service: the compiled Retry absorbs them', async () => {
    const workdir = path.join(dir, 'throttled');
    const { result, summary } = await runJson('pairs-basic', input, workdir, RUN_ID, [
      '--fail-rate',
      '0.3',
      '--fault',
      'throttle,service',
    ]);
    expect(result.code).toBe(0);
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.failedShards).toBeUndefined();
    expect((await snapshot(runRootOf(workdir, 'pairs-basic', RUN_ID))).files).toEqual(
      reference.files,
    );
  });

  it('crashes past the retries count against the tolerance and are named; a rerun completes them', async () => {
    const workdir = path.join(dir, 'crashed');
    const runRoot = runRootOf(workdir, 'pairs-basic', RUN_ID);
    // Seed 0 at rate 0.5: shards 3 and 4 crash on both attempts (Lambda.Unknown: 1 retry).
    const faulty = await runJson('pairs-basic', input, workdir, RUN_ID, [
      ...['--fail-rate', '0.5', '--fault', 'crash', '--fault-seed', '0'],
      ...['--param', 'toleratedFailurePercentage=50'],
    ]);
    expect(faulty.summary.status).toBe('SUCCEEDED');
    expect(faulty.summary.failedShards).toEqual({ pairs: ['pairs-000003', 'pairs-000004'] });
    expect(faulty.summary.stages.pairs?.in).toBe(info.samples - 24);
    const manifest = await readJson<DatasetManifest>(
      path.join(runRoot, 'datasets', 'pairs', 'manifest.json'),
    );
    expect(manifest.failedShards.map((f) => [f.key, f.error])).toEqual([
      ['pairs-000003', 'Lambda.Unknown'],
      ['pairs-000004', 'Lambda.Unknown'],
    ]);

    const rerun = await runJson('pairs-basic', input, workdir, RUN_ID);
    expect(rerun.summary.status).toBe('SUCCEEDED');
    expect(rerun.summary.stages.pairs?.in).toBe(info.samples);
    expect((await snapshot(runRoot, [PENDING_MANIFEST])).files).toEqual(
      withoutPending(reference.files),
    );
    await expectEverySampleOnce(runRoot);
  }, 120_000);

  it('past the tolerance the run fails and names the unfinished shards', async () => {
    const workdir = path.join(dir, 'failed');
    const faulty = await runJson('pairs-basic', input, workdir, RUN_ID, [
      ...['--fail-rate', '1', '--fault', 'timeout', '--concurrency', '1'],
    ]);
    expect(faulty.result.code).toBe(1);
    expect(faulty.summary.status).toBe('FAILED');
    expect(faulty.summary.error?.error).toBe('States.ExceedToleratedFailureThreshold');
    // Every shard times out twice (States.Timeout: 1 retry); none has a marker.
    expect(faulty.summary.failedShards).toEqual({
      pairs: info.paths.map((p) => path.basename(p, '.tar')),
    });
    const rerun = await runJson('pairs-basic', input, workdir, RUN_ID);
    expect(rerun.summary.status).toBe('SUCCEEDED');
    const runRoot = runRootOf(workdir, 'pairs-basic', RUN_ID);
    expect((await snapshot(runRoot, [PENDING_MANIFEST])).files).toEqual(
      withoutPending(reference.files),
    );
  }, 120_000);
});
