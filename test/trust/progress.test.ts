/**
 * What a user sees of a run in progress, through the CLI: plain progress lines when stderr is
 * not a terminal (run id, samples/s, kept and rejected, shards done before a resume), the run
 * id on Ctrl-C, `status <runId>` that tells a killed run from a running one, and `runs`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CLI, ROOT, vlmflow } from '../helpers/cli';
import { makeSampleShards } from '../fixtures/sample-shards';

const runArgs = (input: string, workdir: string, runId: string) => [
  'run',
  'pairs-basic',
  '--local',
  '--input',
  input,
  '--workdir',
  workdir,
  '--run-id',
  runId,
];

/** Starts a run, waits until Plan has marked it, sends `signal`; resolves its exit and stderr. */
async function interrupt(args: string[], marker: string, signal: NodeJS.Signals) {
  const child = spawn(CLI, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  for (let i = 0; i < 600 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
  expect(existsSync(marker)).toBe(true);
  child.kill(signal);
  const code = await exited;
  return { code, stderr };
}

describe('progress, interrupts and run listings', () => {
  let dir: string;
  let input: string;
  let workdir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-progress-'));
    input = path.join(dir, 'input');
    workdir = path.join(dir, 'work');
    await makeSampleShards(input, { shards: 3, samplesPerShard: 8, seed: 4 });
  });

  it('prints plain progress lines when not a terminal, and shards done before on resume', async () => {
    const first = await vlmflow([...runArgs(input, workdir, 'p1'), '--progress-interval', '1']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(
      `run p1: file://${path.join(workdir, 'runs', 'pairs-basic', 'p1')}`,
    );
    expect(first.stderr).toMatch(/run p1 of pairs-basic · elapsed \d+:\d\d/);
    expect(first.stderr).toMatch(
      /Curate pairs \[#+\] 3\/3 shards · 24 samples, [\d.]+\/s · kept \d+, rejected \d+/,
    );
    expect(first.stderr).not.toContain('\x1b');

    await rm(
      path.join(workdir, 'runs', 'pairs-basic', 'p1', 'stats', 'pairs', 'pairs-000002.json'),
    );
    const resumed = await vlmflow(runArgs(input, workdir, 'p1'));
    expect(resumed.stderr).toContain('3/3 shards (2 done before)');
  }, 120_000);

  it('`status <runId>` and `runs` find a run by its id', async () => {
    const status = await vlmflow(['status', 'p1', '--workdir', workdir]);
    expect(status.stdout).toContain(
      `${path.join(workdir, 'runs', 'pairs-basic', 'p1')}: SUCCEEDED`,
    );
    const runs = await vlmflow(['runs', '--workdir', workdir, '--json']);
    expect(JSON.parse(runs.stdout)).toEqual([
      expect.objectContaining({
        runId: 'p1',
        pipeline: 'pairs-basic',
        status: 'SUCCEEDED',
        in: 24,
      }),
    ]);
  }, 60_000);

  it('Ctrl-C prints the run id to resume; a killed run is STOPPED, not RUNNING', async () => {
    const markerOf = (id: string) =>
      path.join(workdir, '.vlmflow', 'processes', 'pairs-basic', `${id}.json`);
    const interrupted = await interrupt(runArgs(input, workdir, 'c1'), markerOf('c1'), 'SIGINT');
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain(
      'vlmflow: interrupted; run c1 of pairs-basic stopped. Resume it: vlmflow run pairs-basic --local --run-id c1',
    );
    const killed = await interrupt(runArgs(input, workdir, 'k1'), markerOf('k1'), 'SIGKILL');
    expect(killed.code).toBeNull();
    for (const id of ['c1', 'k1']) {
      const status = await vlmflow(['status', id, '--workdir', workdir]);
      expect(status.stdout).toContain(`${id}: STOPPED`);
    }
  }, 120_000);
});
