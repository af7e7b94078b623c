/**
 * A run that fails on an operator bug says which operator, sample and shard failed, and why,
 * wherever the user looks: `run` (plain and --json), `status`, summary.json and the report.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { localRunArgs, vlmflow } from '../helpers/cli';
import type { RunSummary } from '../../core/contracts';
import { makeSampleShards } from '../fixtures/sample-shards';
import { FAILING_SAMPLE } from '../fixtures/pipelines/failing-op';

const PIPELINE = path.join(__dirname, '..', 'fixtures', 'pipelines', 'failing-op.ts');
const MESSAGE = `operator mine.flat-image failed on sample "${FAILING_SAMPLE}": boom`;

describe('failure causes of a run whose operator throws', () => {
  let dir: string;
  let input: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-causes-'));
    input = path.join(dir, 'input');
    await makeSampleShards(input, { shards: 3, samplesPerShard: 6, seed: 3 });
  });

  const run = (runId: string, json: boolean) => {
    const args = localRunArgs(PIPELINE, { input, workdir: path.join(dir, 'work'), runId });
    return vlmflow(json ? args : args.filter((a) => a !== '--json'));
  };

  it('--json and summary.json carry the first cause: operator, sample, shard, message', async () => {
    const result = await run('json', true);
    expect(result.code).toBe(1);
    const printed = JSON.parse(result.stdout) as RunSummary;
    const expected = {
      stage: 'pairs',
      shard: 'pairs-000001',
      operator: 'mine.flat-image',
      sample: FAILING_SAMPLE,
      error: 'ShardError',
      message: MESSAGE,
    };
    expect(printed.causes?.[0]).toEqual(expected);
    const runRoot = path.join(dir, 'work', 'runs', 'failing-op', 'json');
    const written = JSON.parse(await readFile(path.join(runRoot, 'summary.json'), 'utf8'));
    expect(written.causes[0]).toEqual(expected);
    const report = await readFile(path.join(runRoot, 'report', 'index.html'), 'utf8');
    expect(report).toContain('id="causes"');
    expect(report).toContain(`sample <code>${FAILING_SAMPLE}</code>`);
    expect(report).toContain('boom');
  }, 120_000);

  it('plain output and `status` show the first cause', async () => {
    const result = await run('plain', false);
    expect(result.code).toBe(1);
    const line = `first cause: [stage pairs, shard pairs-000001] ${MESSAGE}`;
    expect(result.stdout).toContain(line);
    const status = await vlmflow(['status', path.join(dir, 'work', 'runs', 'failing-op', 'plain')]);
    expect(status.stdout).toContain('FAILED');
    expect(status.stdout).toContain(line);
  }, 120_000);
});
