import type { Lineage, MixEvent } from '../../core/contracts';
import type { DatasetManifest, MixtureManifest } from '../../core/manifests';
import { handler as mix } from '../../lambdas/handlers/mix';
import { allocate, mixtureTotal } from '../../lambdas/handlers/mix-plan';
import { readJson, writeJson } from '../../lambdas/shards/json-io';
import { storageFor } from '../../lambdas/shards/storage';
import { joinUri } from '../../core/uri';
import { tempDir, type TempDir } from './helpers';

let dir: TempDir;
let runRoot: string;
const lineage: Lineage = {
  pipeline: 'demo',
  definitionHash: 'h',
  version: '1',
  params: {},
  inputs: {},
};

/** A dataset manifest with shards of the given sizes (mix reads manifests, never samples). */
async function dataset(name: string, sizes: readonly number[]): Promise<string> {
  const manifest: DatasetManifest = {
    kind: 'dataset',
    name,
    pipeline: 'demo',
    runId: 'r1',
    shards: sizes.map((samples, i) => ({
      key: `${name}-${i}`,
      uri: joinUri(runRoot, 'stages', name, `${name}-${i}.tar`),
      samples,
      bytes: samples * 1000,
      sha256: `${i}`.padStart(64, '0'),
    })),
    counts: { in: 0, kept: sizes.reduce((a, b) => a + b, 0), rejected: {} },
    rejects: [],
    failedShards: [],
    lineage,
  };
  const uri = joinUri(runRoot, 'datasets', name, 'manifest.json');
  await writeJson(uri, manifest);
  return uri;
}

let webUri: string;
let docsUri: string;
beforeAll(async () => {
  dir = await tempDir();
  runRoot = joinUri(dir.uri, 'runs', 'demo', 'r1');
  webUri = await dataset('web', [10, 10, 10, 10, 10, 10, 10, 10, 10, 10]); // 100 samples
  docsUri = await dataset('docs', [7, 7, 6]); // 20 samples
});
afterAll(() => dir.remove());

function mixEvent(overrides: Partial<MixEvent> = {}): MixEvent {
  return {
    pipeline: 'demo',
    stage: 'mixture',
    runId: 'r1',
    runRoot,
    params: { docsWeight: 1, total: 40, seed: 7 },
    lineage,
    inputs: [
      { dataset: 'web', manifestUri: webUri, weight: 3 },
      { dataset: 'docs', manifestUri: docsUri, weight: { $param: 'docsWeight' } },
    ],
    samples: { $param: 'total' },
    seed: { $param: 'seed' },
    ...overrides,
  };
}

const takenBy = (manifest: MixtureManifest, name: string): number =>
  manifest.shards.filter((s) => s.dataset === name).reduce((sum, s) => sum + s.take, 0);

describe('mix', () => {
  test('samples in proportion to the weights, whole shards then one partial', async () => {
    const ref = await mix(mixEvent());
    expect(ref).toEqual({
      dataset: 'mixture',
      manifestUri: joinUri(runRoot, 'datasets', 'mixture', 'manifest.json'),
      shards: expect.any(Number),
      in: 120,
      kept: 40,
      rejected: { 'mix:not_sampled': 80 },
      failedShards: [],
      failedShardCount: 0,
    });
    const manifest = await readJson<MixtureManifest>(ref.manifestUri);
    expect(manifest.components).toEqual([
      { dataset: 'web', manifestUri: webUri, weight: 3, available: 100, samples: 30 },
      { dataset: 'docs', manifestUri: docsUri, weight: 1, available: 20, samples: 10 },
    ]);
    expect([manifest.kind, manifest.total, manifest.seed]).toEqual(['mixture', 40, 7]);
    expect([takenBy(manifest, 'web'), takenBy(manifest, 'docs')]).toEqual([30, 10]);
    // web: three whole shards of 10; docs: one whole shard and part of another.
    expect(manifest.shards.filter((s) => s.dataset === 'web').map((s) => s.take)).toEqual([
      10, 10, 10,
    ]);
    const docs = manifest.shards.filter((s) => s.dataset === 'docs');
    expect(docs).toHaveLength(2);
    expect(docs.filter((s) => s.take < s.samples)).toHaveLength(1);
    expect(ref.shards).toBe(manifest.shards.length);
  });

  test('the same seed gives the same bytes; another seed another choice', async () => {
    const read = async (seed: number, stage: string): Promise<Buffer> => {
      const ref = await mix(mixEvent({ stage, params: { docsWeight: 1, total: 40, seed } }));
      return storageFor(ref.manifestUri).readBytes(ref.manifestUri);
    };
    const first = await read(7, 'seeded');
    const second = await read(7, 'seeded');
    const other = await read(8, 'seeded-other');
    expect(second).toEqual(first);
    const shardsOf = (bytes: Buffer): unknown =>
      (JSON.parse(bytes.toString()) as MixtureManifest).shards;
    expect(shardsOf(other)).not.toEqual(shardsOf(first));
  });

  test('samples 0 takes as many as the weights allow without repeating', async () => {
    const ref = await mix(mixEvent({ samples: 0 }));
    // docs (20 samples, 1/4 of the mixture) limits the total to 80: 60 web + 20 docs.
    const manifest = await readJson<MixtureManifest>(ref.manifestUri);
    expect(manifest.components.map((c) => c.samples)).toEqual([60, 20]);
    expect([ref.in, ref.kept, ref.rejected]).toEqual([120, 80, { 'mix:not_sampled': 40 }]);
  });

  test('a target above a dataset’s size repeats it in further epochs (upsampling)', async () => {
    const ref = await mix(mixEvent({ samples: 200 }));
    const manifest = await readJson<MixtureManifest>(ref.manifestUri);
    expect(manifest.components.map((c) => c.samples)).toEqual([150, 50]);
    expect(takenBy(manifest, 'docs')).toBe(50);
    const docsUris = manifest.shards.filter((s) => s.dataset === 'docs').map((s) => s.uri);
    expect(new Set(docsUris).size).toBe(3);
    expect(docsUris.length).toBeGreaterThan(3);
    // Repetition: kept exceeds what is available, and nothing is counted as rejected.
    expect([ref.in, ref.kept, ref.rejected]).toEqual([120, 200, {}]);
  });

  test('a zero weight leaves a dataset out', async () => {
    const ref = await mix(mixEvent({ params: { docsWeight: 0, total: 40, seed: 1 } }));
    const manifest = await readJson<MixtureManifest>(ref.manifestUri);
    expect(manifest.components.map((c) => c.samples)).toEqual([40, 0]);
    expect(manifest.shards.every((s) => s.dataset === 'web')).toBe(true);
  });

  test('bad weights, samples and seeds fail with a MixError naming them', async () => {
    await expect(
      mix(mixEvent({ params: { docsWeight: -1, total: 40, seed: 1 } })),
    ).rejects.toMatchObject({
      name: 'MixError',
      message: 'mix "mixture": weight of "docs": expected a finite number >= 0, got -1',
    });
    await expect(
      mix(mixEvent({ inputs: [{ dataset: 'web', manifestUri: webUri, weight: 0 }] })),
    ).rejects.toThrow('weights: all are 0');
    await expect(mix(mixEvent({ samples: 2.5 }))).rejects.toThrow(
      'samples: expected an integer >= 0',
    );
    await expect(mix(mixEvent({ seed: 'x' }))).rejects.toThrow(
      'seed: expected an integer, got "x"',
    );
    await expect(mix(mixEvent({ seed: { $param: 'nope' } }))).rejects.toThrow(
      'unknown parameter "nope"',
    );
  });

  test('rounding: the targets add up to the total exactly', () => {
    expect(allocate(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocate(100, [3, 1])).toEqual([75, 25]);
    expect(allocate(7, [0, 2, 5])).toEqual([0, 2, 5]);
    expect(mixtureTotal(0, [100, 20], [3, 1])).toBe(80);
    expect(mixtureTotal(0, [100, 20], [1, 0])).toBe(100);
    expect(mixtureTotal(0, [30, 30, 30], [1, 1, 1])).toBe(90);
  });
});
