import type { DatasetRef, RunSummary, SummaryEvent } from '../../core/contracts';
import { handler as summarize } from '../../lambdas/handlers/summary';
import { readJson, writeJson } from '../../lambdas/shards/json-io';
import { trainFailureLogUri } from '../../core/layout';
import { storageFor } from '../../lambdas/shards/storage';
import { joinUri } from '../../core/uri';
import { tempDir, type TempDir } from './helpers';

let dir: TempDir;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(() => dir.remove());

const ref = (dataset: string, counts: Partial<DatasetRef> = {}): DatasetRef => ({
  dataset,
  manifestUri: `file:///data/${dataset}/manifest.json`,
  shards: 2,
  in: 10,
  kept: 7,
  rejected: { 'image.size:too_small': 3 },
  failedShards: [],
  failedShardCount: 0,
  ...counts,
});

describe('summary', () => {
  test('a finished run: counts and outputs per dataset, written to summary.json', async () => {
    const runRoot = joinUri(dir.uri, 'runs', 'demo', 'r1');
    const event: SummaryEvent = {
      status: 'SUCCEEDED',
      pipeline: 'demo',
      dataRoot: dir.uri,
      state: {
        runId: 'r1',
        runRoot,
        pipeline: 'demo',
        stages: {},
        datasets: {
          web: ref('web', { failedShards: ['c'], failedShardCount: 1 }),
          mixture: ref('mixture', { in: 7, kept: 7, rejected: {} }),
        },
      },
    };
    const expected: RunSummary = {
      runId: 'r1',
      pipeline: 'demo',
      status: 'SUCCEEDED',
      stages: {
        web: { in: 10, kept: 7, rejected: { 'image.size:too_small': 3 } },
        mixture: { in: 7, kept: 7, rejected: {} },
      },
      outputs: {
        web: 'file:///data/web/manifest.json',
        mixture: 'file:///data/mixture/manifest.json',
      },
      failedShards: { web: ['c'] },
    };
    expect(await summarize(event)).toEqual(expected);
    expect(await readJson(joinUri(runRoot, 'summary.json'))).toEqual(expected);
  });

  test('a run that failed in Plan: the error, and summary.json under the run id it would have had', async () => {
    const event: SummaryEvent = {
      status: 'FAILED',
      pipeline: 'demo',
      dataRoot: dir.uri,
      state: {
        input: { params: { minSide: 'big' } },
        executionName: 'exec-9',
        failure: {
          Error: 'ParamError',
          Cause: JSON.stringify({
            errorType: 'ParamError',
            errorMessage: 'invalid run parameters: params.minSide: expected an integer, got "big"',
            trace: ['ParamError: …', '    at resolveParams'],
          }),
        },
      },
    };
    const summary = await summarize(event);
    expect(summary).toEqual({
      runId: 'exec-9',
      pipeline: 'demo',
      status: 'FAILED',
      stages: {},
      outputs: {},
      failedShards: {},
      error: {
        error: 'ParamError',
        cause: 'invalid run parameters: params.minSide: expected an integer, got "big"',
      },
      causes: [
        {
          error: 'ParamError',
          message: 'invalid run parameters: params.minSide: expected an integer, got "big"',
        },
      ],
    });
    expect(await readJson(joinUri(dir.uri, 'runs', 'demo', 'exec-9', 'summary.json'))).toEqual(
      summary,
    );
  });

  test('a run id that is not a path segment is reported but nothing is written for it', async () => {
    const summary = await summarize({
      status: 'FAILED',
      pipeline: 'demo',
      dataRoot: dir.uri,
      state: {
        input: { runId: '../escape' },
        failure: { Error: 'States.Timeout', Cause: 'took too long' },
      },
    });
    expect(summary).toMatchObject({
      runId: '../escape',
      error: { error: 'States.Timeout', cause: 'took too long' },
    });
    expect(await storageFor(dir.uri).exists(joinUri(dir.uri, 'runs', 'summary.json'))).toBe(false);
  });

  test('a long cause is cut so the execution output stays small', async () => {
    const summary = await summarize({
      status: 'FAILED',
      pipeline: 'demo',
      dataRoot: dir.uri,
      state: { runId: 'r2', failure: { Error: 'ShardError', Cause: 'x'.repeat(10_000) } },
    });
    expect(summary.error!.cause).toHaveLength(2000);
  });
});

describe('summary of a run whose map exceeded its failure tolerance', () => {
  test('names the shards of the unfinished stage that have no stats marker', async () => {
    const runRoot = joinUri(dir.uri, 'runs', 'demo', 'r-tolerance');
    const items = ['a', 'b', 'c'].map((key) => ({ key, uri: `file:///in/${key}.tar` }));
    await storageFor(runRoot).write(
      joinUri(runRoot, 'manifests', 'web.json'),
      JSON.stringify(items),
    );
    await storageFor(runRoot).write(
      joinUri(runRoot, 'stats', 'web', 'b.json'),
      JSON.stringify({ in: 1, kept: 1, rejected: {} }),
    );
    const summary = await summarize({
      status: 'FAILED',
      pipeline: 'demo',
      dataRoot: dir.uri,
      state: {
        runId: 'r-tolerance',
        runRoot,
        pipeline: 'demo',
        stages: { web: {} },
        failure: { Error: 'States.ExceedToleratedFailureThreshold', Cause: 'too many' },
      },
    });
    expect(summary.failedShards).toEqual({ web: ['a', 'c'] });
    const written = await readJson<RunSummary>(joinUri(runRoot, 'summary.json'));
    expect(written.failedShards).toEqual({ web: ['a', 'c'] });
  });

  test('a failed training job: its reason and exit code, and the last lines of its log', async () => {
    const log = joinUri(dir.uri, 'job.log').slice('file://'.length);
    const lines = Array.from({ length: 30 }, (_, i) => `step ${i}`);
    await storageFor(dir.uri).write(
      log,
      [...lines, 'ValueError: lr must be positive', ''].join('\n'),
    );
    const job = {
      JobName: 'demo-connector-r9',
      Status: 'FAILED',
      StatusReason: 'Essential container in task exited',
      Container: { ExitCode: 1, LogStreamName: log },
    };
    const summary = await summarize({
      status: 'FAILED',
      pipeline: 'demo',
      dataRoot: dir.uri,
      state: {
        runId: 'r9',
        runRoot: joinUri(dir.uri, 'runs', 'demo', 'r9'),
        failure: { Error: 'States.TaskFailed', Cause: JSON.stringify(job) },
      },
    });
    const message =
      'training job demo-connector-r9 failed: Essential container in task exited (exit code 1)';
    expect(summary.error).toEqual({ error: 'States.TaskFailed', cause: message });
    expect(summary.causes).toEqual([
      {
        stage: 'connector',
        error: 'States.TaskFailed',
        message,
        logTail: [...lines.slice(-19), 'ValueError: lr must be positive'],
      },
    ]);
  });

  describe('a failed training job on AWS, whose log is a CloudWatch stream', () => {
    const stream = 'vlmflow-train/default/0123abcd';
    const failedJob = (jobId: string) =>
      JSON.stringify({
        JobName: 'demo-connector-r10',
        JobId: jobId,
        Status: 'FAILED',
        StatusReason: 'Essential container in task exited',
        Container: { ExitCode: 1, LogStreamName: stream },
      });
    const runRoot = () => joinUri(dir.uri, 'runs', 'demo', 'r10');
    const summarizeJob = (jobId: string) =>
      summarize({
        status: 'FAILED',
        pipeline: 'demo',
        dataRoot: dir.uri,
        state: {
          runId: 'r10',
          runRoot: runRoot(),
          failure: { Error: 'States.TaskFailed', Cause: failedJob(jobId) },
        },
      });
    const message =
      'training job demo-connector-r10 failed: Essential container in task exited (exit code 1)';

    test('the last lines from the failure log the job wrote, in the summary and its file', async () => {
      const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
      await writeJson(trainFailureLogUri(runRoot(), 'connector'), {
        jobId: 'job-a#0', // node 0 of a multi-node job
        exitCode: 1,
        lines: ['', ...lines, 42],
      });
      const summary = await summarizeJob('job-a');
      const expected = [
        { stage: 'connector', error: 'States.TaskFailed', message, logTail: lines },
      ];
      expect(summary.causes).toEqual(expected);
      expect((await readJson<RunSummary>(joinUri(runRoot(), 'summary.json'))).causes).toEqual(
        expected,
      );
    });

    test("another job's failure log is not shown; the cause names the stream status reads", async () => {
      const summary = await summarizeJob('job-b');
      expect(summary.causes).toEqual([
        {
          stage: 'connector',
          error: 'States.TaskFailed',
          message: `${message}; its log is CloudWatch Logs stream ${stream} in /aws/batch/job; \`vlmflow status\` shows its last lines`,
        },
      ]);
    });
  });
});
