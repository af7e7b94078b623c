/** Reports of runs that are unfinished, failed or stored elsewhere; the Summary hook's safety. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildReport, writeRunReport } from '../../lambdas/report';
import { writeReportBestEffort } from '../../lambdas/report/hook';
import { consoleLinks } from '../../lambdas/report/links';

describe('reports of partial runs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-report-partial-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('renders a failed run with only a summary and a training curve', async () => {
    const root = path.join(dir, 'runs', 'p', 'failed');
    await mkdir(path.join(root, 'models', 'connector'), { recursive: true });
    await writeFile(
      path.join(root, 'summary.json'),
      JSON.stringify({
        runId: 'failed',
        pipeline: 'p',
        status: 'FAILED',
        stages: {},
        outputs: {},
        failedShards: {},
        error: { error: 'PlanError', cause: 'minSide: <bad>' },
      }),
    );
    await writeFile(
      path.join(root, 'models', 'connector', 'metrics.json'),
      JSON.stringify({
        steps: [
          { step: 1, loss: 2 },
          { step: 2, loss: 1.25 },
        ],
      }),
    );
    const uri = await writeRunReport(`file://${root}`);
    const page = await readFile(new URL(uri), 'utf8');
    expect(page).toContain('id="run-status" class="status-FAILED">FAILED<');
    expect(page).toContain('minSide: &lt;bad&gt;');
    expect(page).toContain('data-training="connector"');
    expect(page).toContain('data-last-loss>1.25<');
    expect(page).toContain('No stage has finished a shard yet.');
  });

  it('says which models are random-weight test models, naming each parameter', async () => {
    const root = path.join(dir, 'runs', 'p', 'random-models');
    await mkdir(root, { recursive: true });
    await writeFile(
      path.join(root, 'summary.json'),
      JSON.stringify({
        runId: 'random-models',
        pipeline: 'p',
        status: 'SUCCEEDED',
        stages: {},
        outputs: {},
        failedShards: {},
        randomWeightModels: { textModel: 's3://b/models/tiny-lm', clipModel: 'models/clip-tiny' },
      }),
    );
    const page = await buildReport(`file://${root}`);
    expect(page).toContain('id="random-weight-models"');
    expect(page).toContain(
      'data-random-model="textModel">textModel</code> = <code>s3://b/models/tiny-lm<',
    );
    expect(page).toContain('data-random-model="clipModel"');
    const plain = await buildReport(`file://${path.join(dir, 'runs', 'p', 'failed')}`);
    expect(plain).not.toContain('random-weight-models');
  });

  it('never fails the Summary handler: an unwritable run root is logged', async () => {
    const blocker = path.join(dir, 'not-a-folder');
    await writeFile(blocker, 'x');
    const errors: unknown[][] = [];
    const spy = jest
      .spyOn(console, 'error')
      .mockImplementation((...args: unknown[]) => void errors.push(args));
    await expect(writeReportBestEffort(`file://${blocker}/runs/p/r`)).resolves.toBeUndefined();
    spy.mockRestore();
    expect(String(errors[0]?.[0])).toContain('run report for');
  });

  it('links to the S3 console for runs in S3, not for local runs', () => {
    expect(consoleLinks('s3://my-bucket/runs/p/r1', 'eu-west-1', 'p')).toEqual([
      {
        label: 'Run folder in the S3 console',
        href: 'https://s3.console.aws.amazon.com/s3/buckets/my-bucket?prefix=runs%2Fp%2Fr1%2F&region=eu-west-1',
      },
      {
        label: 'State machines in the Step Functions console',
        href: 'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/statemachines',
      },
    ]);
    expect(consoleLinks('file:///tmp/runs/p/r1')).toEqual([]);
  });

  it('renders an empty run folder', async () => {
    const page = await buildReport(`file://${path.join(dir, 'runs', 'p', 'empty')}`);
    expect(page).toContain('id="run-id">empty<');
    expect(page).toContain('id="pipeline">p<');
  });
});
