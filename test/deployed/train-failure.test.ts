/**
 * A training job that fails, as deployed: on AWS its log is a CloudWatch stream the summary
 * does not read, so the job writes its last output lines to its failure log under the run
 * (core/layout.ts trainFailureLogKey) as the job role, and the summary function reads them as
 * its own role into summary.json and the report. learningRate 0 passes Plan (its minimum) and
 * fails the job's own config check, before any model loads.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TRAINING_JOB, type DeployedAccess } from '../../infra/local/deployed/access';
import type { AccessRequest } from '../../infra/local/deployed/authorizer';
import type { RunSummary } from '../../core/contracts';
import { trainFailureLogKey } from '../../core/layout';
import { makeSampleShards } from '../fixtures/sample-shards';
import { accessFor, runAsDeployed } from './helpers';

const LR_ERROR = 'error: config: lr must be > 0';

describe('pairs-connector as deployed, with a training job that fails', () => {
  let access: DeployedAccess;
  let run: Awaited<ReturnType<typeof runAsDeployed>>;
  let summary: RunSummary;

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-deployed-train-failure-'));
    await makeSampleShards(path.join(dir, 'inputs', 'pairs'), {
      shards: 1,
      samplesPerShard: 12,
      seed: 7,
    });
    access = accessFor('pairs-connector', dir);
    run = await runAsDeployed('pairs-connector', access, { params: { learningRate: 0 } });
    summary = JSON.parse(
      await readFile(
        path.join(run.result.runRoot!.slice('file://'.length), 'summary.json'),
        'utf8',
      ),
    ) as RunSummary;
  }, 300_000);

  it("puts the job's last lines in summary.json", () => {
    expect(run.result.status).toBe('FAILED');
    const [cause] = summary.causes ?? [];
    expect(cause).toMatchObject({ stage: 'connector', error: 'States.TaskFailed' });
    expect(cause?.message).toMatch(/^training job pairs-connector-connector-\S+ failed: /);
    expect(cause?.logTail?.at(-1)).toMatch(new RegExp(`^${LR_ERROR}`));
  });

  it('shows them in the report', async () => {
    const report = await readFile(
      path.join(run.result.runRoot!.slice('file://'.length), 'report', 'index.html'),
      'utf8',
    );
    expect(report).toContain(LR_ERROR.replace('>', '&gt;')); // HTML-escaped
  });

  it('writes the log as the job role and reads it as the summary function, both allowed', () => {
    const key = `${access.bucketArn}/runs/pairs-connector/`;
    const onLog = (r: AccessRequest) =>
      r.resource.startsWith(key) && r.resource.endsWith(`/${trainFailureLogKey('connector')}`);
    const made = run.allowed.filter(onLog).map((r) => [r.principal, r.action]);
    expect(made).toEqual(
      expect.arrayContaining([
        [TRAINING_JOB, 's3:PutObject'],
        [expect.stringMatching(/summary/i), 's3:GetObject'],
      ]),
    );
  });
});
