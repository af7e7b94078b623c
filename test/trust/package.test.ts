/**
 * vlmflow as a package: `bin/vlmflow` works from any directory, and a pipeline with its own
 * operator in a project of its own imports everything from the package root (`vlmflow`: the
 * DSL, `ops`, `defineOperator`, `z`), synthesizes and runs locally from that project's folder.
 * The project depends on vlmflow as npm links a `file:` dependency: node_modules/vlmflow is a
 * link to this checkout.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CLI, ROOT } from '../helpers/cli';
import type { RunSummary } from '../../core/contracts';
import { makeSampleShards } from '../fixtures/sample-shards';

const run = promisify(execFile);

describe('vlmflow outside its repository', () => {
  let project: string;
  let input: string;

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-package-'));
    project = path.join(dir, 'my-project');
    input = path.join(dir, 'input');
    await cp(path.join(ROOT, 'test', 'fixtures', 'user-project'), project, { recursive: true });
    await mkdir(path.join(project, 'node_modules'));
    await symlink(ROOT, path.join(project, 'node_modules', 'vlmflow'), 'dir');
    await makeSampleShards(input, { shards: 2, samplesPerShard: 8, seed: 9 });
  });

  it('bin/vlmflow runs from another directory', async () => {
    const { stdout } = await run(CLI, ['list'], { cwd: tmpdir() });
    expect(stdout).toContain('pairs-basic');
  });

  it("a project's own pipeline and operator synthesize and run from its folder", async () => {
    const exec = (args: string[]) => run(CLI, args, { cwd: project, maxBuffer: 16 << 20 });
    const synth = JSON.parse((await exec(['synth', 'pipelines/mine.ts'])).stdout) as {
      States: object;
    };
    expect(Object.keys(synth.States)).toContain('Plan');
    const { stdout } = await exec([
      'run',
      'pipelines/mine.ts',
      '--local',
      '--input',
      input,
      '--workdir',
      'work',
      '--run-id',
      'u1',
      '--json',
    ]);
    const summary = JSON.parse(stdout) as RunSummary;
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.outputs.pairs).toBe(
      `file://${path.join(project, 'work', 'runs', 'mine', 'u1', 'datasets', 'pairs', 'manifest.json')}`,
    );
    const { in: count, kept, rejected } = summary.stages.pairs!;
    expect(count).toBe(16);
    expect(kept + Object.values(rejected).reduce((a, b) => a + b, 0)).toBe(count);
    expect(Object.keys(rejected).every((k) => !k.startsWith('undefined'))).toBe(true);
  }, 120_000);
});
