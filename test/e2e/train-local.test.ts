/**
 * Curation and connector training end to end on one machine: generated shards and tiny
 * random-weight models → `vlmflow run pairs-connector --local` → curated dataset → the
 * `python -m resampler.train` Batch command as a subprocess (in the project's own Python
 * environment) → the exported Idefics2 folder, connector weights, sample generations and
 * metrics under the run's models/connector/.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { RunSummary } from '../../core/contracts';
import { ensurePython } from '../../infra/local/python-env';
import { buildReport } from '../../lambdas/report';
import { makeSampleShards } from '../fixtures/sample-shards';
import { localRunArgs, ROOT, vlmflow as runCli } from '../helpers/cli';

const JOB_DIR = path.join(ROOT, 'gpu-jobs', 'resampler');
const run = promisify(execFile);
// Tiny models run fastest on one thread, and the machine's cores are shared with the curation.
const ONE_THREAD = { OMP_NUM_THREADS: '1' };
const ENV = { ...process.env, ...ONE_THREAD };
const vlmflow = (args: string[]) => runCli(args, ONE_THREAD);

interface Metrics {
  readonly steps: number;
  readonly loss: readonly number[];
}

describe('vlmflow run pairs-connector --local', () => {
  let dir: string;
  let input: string;
  let workdir: string;

  const runPipeline = (runId: string, ...params: string[]) =>
    vlmflow(localRunArgs('pairs-connector', { input, workdir, runId, params }));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-train-'));
    input = path.join(dir, 'input');
    workdir = path.join(dir, 'work');
    await makeSampleShards(input, { shards: 2, samplesPerShard: 20, seed: 5 });
    const python = await ensurePython();
    await run(python, ['-m', 'resampler.tiny_models', '--out', path.join(workdir, 'models')], {
      cwd: JOB_DIR,
      env: ENV,
    });
  }, 600_000);

  it('curates the pairs and trains the connector on them', async () => {
    const result = await runPipeline('trained', 'trainSteps=3', 'batchSize=4');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.stages.pairs!.kept).toBeGreaterThan(0);

    const models = path.join(workdir, 'runs', 'pairs-connector', 'trained', 'models', 'connector');
    expect(existsSync(path.join(models, 'connector.safetensors'))).toBe(true);
    // The transformers folder (loaded and generated from in pytest's test_export.py).
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'README.md'])
      expect(existsSync(path.join(models, 'export', file))).toBe(true);
    expect(existsSync(path.join(models, 'samples.json'))).toBe(true);

    // The report shows the held-out images' generations and links the model card.
    const page = await buildReport(`file://${path.dirname(path.dirname(models))}`);
    expect(page).toContain('data-generations="connector"');
    expect((page.match(/<td data-generated>/g) ?? []).length).toBeGreaterThan(0);
    expect(page).toContain('export/README.md');
    const metrics = JSON.parse(
      await readFile(path.join(models, 'metrics.json'), 'utf8'),
    ) as Metrics;
    expect(metrics.steps).toBe(3);
    expect(metrics.loss).toHaveLength(3);
    for (const loss of metrics.loss) expect(Number.isFinite(loss)).toBe(true);
  }, 600_000);

  it('trains as a two-node multi-node job (pairs-connector-multinode): two CPU nodes over gloo', async () => {
    const result = await vlmflow(
      localRunArgs('pairs-connector-multinode', {
        input,
        workdir,
        runId: 'nodes',
        params: ['trainSteps=2', 'batchSize=2', 'trainNodes=2'],
      }),
    );
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as RunSummary).status).toBe('SUCCEEDED');
    const models = path.join(workdir, 'runs', 'pairs-connector-multinode', 'nodes', 'models');
    const metrics = JSON.parse(
      await readFile(path.join(models, 'connector', 'metrics.json'), 'utf8'),
    ) as Metrics & { world_size: number };
    expect(metrics.world_size).toBe(2);
    expect(metrics.loss).toHaveLength(2);
    expect(existsSync(path.join(models, 'connector', 'export', 'model.safetensors'))).toBe(true);
  }, 600_000);

  it('skips training when the run sets train=false', async () => {
    const result = await runPipeline('untrained', 'train=false');
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as RunSummary).status).toBe('SUCCEEDED');
    const runRoot = path.join(workdir, 'runs', 'pairs-connector', 'untrained');
    expect(existsSync(path.join(runRoot, 'datasets', 'pairs', 'manifest.json'))).toBe(true);
    expect(existsSync(path.join(runRoot, 'models'))).toBe(false);
  }, 600_000);

  it('a training job that fails: its last lines in --json, summary.json, the report and `status`', async () => {
    // learningRate 0 passes Plan (its minimum) and fails the job's own config check.
    const result = await runPipeline('lr0', 'learningRate=0');
    expect(result.code).toBe(1);
    const lrError = 'error: config: lr must be > 0';
    const printed = JSON.parse(result.stdout) as RunSummary;
    expect(printed.causes?.[0]).toMatchObject({ stage: 'connector', error: 'States.TaskFailed' });
    expect(printed.causes?.[0]?.logTail?.at(-1)).toMatch(new RegExp(`^${lrError}`));
    const runRoot = path.join(workdir, 'runs', 'pairs-connector', 'lr0');
    const failureLog = JSON.parse(
      await readFile(path.join(runRoot, 'models', 'connector', 'failure-log.json'), 'utf8'),
    ) as { exitCode: number; lines: string[] };
    expect(failureLog.exitCode).toBe(2);
    const written = JSON.parse(await readFile(path.join(runRoot, 'summary.json'), 'utf8'));
    expect(written.causes).toEqual(printed.causes);
    const report = await readFile(path.join(runRoot, 'report', 'index.html'), 'utf8');
    expect(report).toContain(lrError.replace('>', '&gt;'));
    const status = await vlmflow(['status', runRoot]);
    expect(status.stdout).toContain(`    | ${lrError}`);
  }, 600_000);
});
