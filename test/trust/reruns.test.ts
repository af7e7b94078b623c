/**
 * A run id is bound to its definition hash, parameters and inputs: rerunning it with other ones
 * is refused with the differences named (and the earlier run left as it was), or with --new-run
 * writes a new run whose lineage is what its data was made with.
 */
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { localRunArgs, vlmflow } from '../helpers/cli';
import type { RunSummary } from '../../core/contracts';
import type { DatasetManifest } from '../../core/manifests';
import { makeSampleShards } from '../fixtures/sample-shards';

describe('reruns of a run id', () => {
  let dir: string;
  let input: string;
  let workdir: string;
  let runRoot: string;
  let firstSummary: string;

  const run = async (args: { input?: string; params?: string[] }, extra: string[] = []) => {
    const result = await vlmflow([
      ...localRunArgs('pairs-basic', {
        input: args.input ?? input,
        workdir,
        runId: 'r1',
        params: args.params ?? [],
      }),
      ...extra,
    ]);
    return { ...result, summary: JSON.parse(result.stdout) as RunSummary };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-reruns-'));
    input = path.join(dir, 'input');
    workdir = path.join(dir, 'work');
    runRoot = path.join(workdir, 'runs', 'pairs-basic', 'r1');
    await makeSampleShards(input, { shards: 2, samplesPerShard: 6, seed: 5 });
    const first = await run({ params: ['minSide=100'] });
    expect(first.summary.status).toBe('SUCCEEDED');
    firstSummary = await readFile(path.join(runRoot, 'summary.json'), 'utf8');
  }, 120_000);

  it('the same settings resume the run', async () => {
    const again = await run({ params: ['minSide=100'] });
    expect(again.code).toBe(0);
    expect(again.summary.runId).toBe('r1');
  }, 120_000);

  it('other parameters or inputs are refused, naming each difference; the run is untouched', async () => {
    const otherInput = path.join(dir, 'other-input');
    await cp(input, otherInput, { recursive: true });
    const refused = await run({ input: otherInput, params: ['minSide=300'] });
    expect(refused.code).toBe(1);
    expect(refused.summary.status).toBe('FAILED');
    expect(refused.summary.error?.error).toBe('PlanError');
    const message = refused.summary.error?.cause ?? '';
    expect(message).toContain('params.minSide: 100 → 300');
    expect(message).toContain(`inputs.pairs: "file://${input}" → "file://${otherInput}"`);
    expect(message).toContain('--new-run');
    expect(await readFile(path.join(runRoot, 'summary.json'), 'utf8')).toBe(firstSummary);
  }, 120_000);

  it('--new-run writes run r1-2 with a true lineage', async () => {
    const fresh = await run({ params: ['minSide=300'] }, ['--new-run']);
    expect(fresh.code).toBe(0);
    expect(fresh.summary.runId).toBe('r1-2');
    const manifest = JSON.parse(
      await readFile(fresh.summary.outputs.pairs!.slice('file://'.length), 'utf8'),
    ) as DatasetManifest;
    expect(manifest.lineage.params.minSide).toBe(300);
    const old = JSON.parse(
      await readFile(path.join(runRoot, 'datasets', 'pairs', 'manifest.json'), 'utf8'),
    ) as DatasetManifest;
    expect(old.lineage.params.minSide).toBe(100);
  }, 120_000);
});
