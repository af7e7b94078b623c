/** `vlmflow start | status | redrive` at the SDK boundary (aws-sdk-client-mock). */
import {
  CloudWatchLogsClient,
  GetLogEventsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import * as path from 'node:path';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  redriveAction,
  startAction,
  statusAction,
  type ActionIo,
} from '../../infra/cli/aws/actions';
import { discoverPipelines } from '../../infra/cdk/discover-pipelines';
import { PROJECT_ROOT } from '../cdk/helpers';

const ACCOUNT = 'arn:aws:states:eu-west-1:123456789012';
const MACHINE = `${ACCOUNT}:stateMachine:vlmflow-pairs-basic`;
const EXECUTION = `${ACCOUNT}:execution:vlmflow-pairs-basic:run-1`;
const graph = (() => {
  const found = discoverPipelines(path.join(PROJECT_ROOT, 'pipelines')).find(
    ({ pipeline }) => pipeline.name === 'pairs-basic',
  );
  if (!found) throw new Error('pipelines/pairs-basic.ts is missing');
  return found.pipeline.graph;
})();

const sfn = mockClient(SFNClient);
let output = '';
const io: ActionIo = {
  client: () => new SFNClient({ region: 'eu-west-1' }),
  write: (text) => void (output += text),
  isTTY: false,
};

beforeEach(() => {
  sfn.reset();
  output = '';
  sfn.on(ListStateMachinesCommand).resolvesOnce({
    stateMachines: [
      {
        name: 'other',
        stateMachineArn: `${ACCOUNT}:stateMachine:other`,
        type: 'STANDARD',
        creationDate: new Date(0),
      },
    ],
    nextToken: 'page-2',
  });
  sfn.on(ListStateMachinesCommand, { nextToken: 'page-2' }).resolves({
    stateMachines: [
      {
        name: 'vlmflow-pairs-basic',
        stateMachineArn: MACHINE,
        type: 'STANDARD',
        creationDate: new Date(0),
      },
    ],
  });
});

describe('vlmflow start', () => {
  test('finds vlmflow-<pipeline> across pages and sends only what differs from the defaults', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(0) });
    await startAction(
      graph,
      {
        param: ['minSide=150'],
        input: ['s3://corpus/pairs'],
        runId: 'r1',
        maxShards: 2,
        json: true,
      },
      io,
    );
    expect(sfn.commandCalls(ListStateMachinesCommand)).toHaveLength(2);
    const [call] = sfn.commandCalls(StartExecutionCommand);
    expect(call?.args[0].input).toEqual({
      stateMachineArn: MACHINE,
      input: JSON.stringify({
        runId: 'r1',
        params: { minSide: 150 },
        inputs: { pairs: 's3://corpus/pairs' },
        maxShards: 2,
      }),
    });
    expect(JSON.parse(output)).toEqual({
      executionArn: EXECUTION,
      input: {
        runId: 'r1',
        params: { minSide: 150 },
        inputs: { pairs: 's3://corpus/pairs' },
        maxShards: 2,
      },
    });
  });

  test('no flags start the console default {}; --state-machine-arn skips the lookup', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
    await startAction(graph, { stateMachineArn: MACHINE }, io);
    expect(sfn.commandCalls(ListStateMachinesCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: MACHINE,
      input: '{}',
    });
    expect(output).toContain(`started ${EXECUTION}`);
    expect(output).toContain(`vlmflow status ${EXECUTION}`);
  });

  test('a wrong parameter fails before any AWS call, with the allowed range', async () => {
    await expect(startAction(graph, { param: ['minSide=0'] }, io)).rejects.toThrow(
      'invalid run parameters: params.minSide: 0 is below the minimum 1',
    );
    await expect(startAction(graph, { param: ['minside=3'] }, io)).rejects.toThrow(
      `--param minside: unknown parameter (known: ${Object.keys(graph.params).join(', ')})`,
    );
    expect(sfn.calls()).toHaveLength(0);
  });

  test('an undeployed pipeline says how to deploy it', async () => {
    sfn.reset();
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
    await expect(startAction(graph, {}, io)).rejects.toThrow(
      'no state machine named "vlmflow-pairs-basic" in this account and region (deploy it with: npx cdk deploy vlmflow-pairs-basic, or pass --state-machine-arn)',
    );
  });
});

describe('vlmflow status', () => {
  const mapRun = (label: string) => `${ACCOUNT}:mapRun:vlmflow-pairs-basic/${label}:0f1e2d`;

  beforeEach(() => {
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: EXECUTION,
      stateMachineArn: MACHINE,
      name: 'run-1',
      status: 'RUNNING',
      startDate: new Date('2026-01-02T03:04:05Z'),
    });
    sfn.on(ListMapRunsCommand).resolvesOnce({
      mapRuns: [
        {
          executionArn: EXECUTION,
          mapRunArn: mapRun('Curateweb'),
          stateMachineArn: MACHINE,
          startDate: new Date(0),
        },
      ],
      nextToken: 'more',
    });
    sfn.on(ListMapRunsCommand, { executionArn: EXECUTION, nextToken: 'more' }).resolves({
      mapRuns: [
        {
          executionArn: EXECUTION,
          mapRunArn: mapRun('Curatedocs'),
          stateMachineArn: MACHINE,
          startDate: new Date(0),
        },
      ],
    });
    const counts = (succeeded: number, failed: number, running: number, pending: number) => ({
      succeeded,
      failed,
      running,
      pending,
      timedOut: 1,
      aborted: 0,
      total: succeeded + failed + running + pending + 1,
      resultsWritten: succeeded,
    });
    sfn.on(DescribeMapRunCommand, { mapRunArn: mapRun('Curateweb') }).resolves({
      mapRunArn: mapRun('Curateweb'),
      status: 'RUNNING',
      itemCounts: counts(10, 2, 4, 3),
    });
    sfn.on(DescribeMapRunCommand, { mapRunArn: mapRun('Curatedocs') }).resolves({
      mapRunArn: mapRun('Curatedocs'),
      status: 'SUCCEEDED',
      itemCounts: counts(7, 0, 0, 0),
    });
  });

  test('an execution ARN: its state and each Map Run by items', async () => {
    await statusAction(EXECUTION, { json: true }, io);
    const status = JSON.parse(output) as { status: string; mapRuns: unknown[] };
    expect(status.status).toBe('RUNNING');
    expect(status.mapRuns).toEqual([
      {
        label: 'Curatedocs',
        mapRunArn: mapRun('Curatedocs'),
        status: 'SUCCEEDED',
        total: 8,
        succeeded: 7,
        failed: 1,
        running: 0,
        pending: 0,
      },
      {
        label: 'Curateweb',
        mapRunArn: mapRun('Curateweb'),
        status: 'RUNNING',
        total: 20,
        succeeded: 10,
        failed: 3,
        running: 4,
        pending: 3,
      },
    ]);
  });

  test('an execution name with --pipeline; bars on a terminal', async () => {
    await statusAction('run-1', { pipeline: 'pairs-basic' }, { ...io, isTTY: true });
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({
      executionArn: EXECUTION,
    });
    expect(output.split('\n')).toEqual([
      'run-1: RUNNING (started 2026-01-02T03:04:05.000Z)',
      '  Curatedocs [########################] 7 succeeded, 1 failed, 0 running, 0 pending of 8 shards (SUCCEEDED)',
      '  Curateweb [################........] 10 succeeded, 3 failed, 4 running, 3 pending of 20 shards (RUNNING)',
      '',
    ]);
  });

  describe('a failed training job', () => {
    const logs = mockClient(CloudWatchLogsClient);
    const STREAM = 'vlmflow-pairs-connector-train/default/5f0e1d2c3b4a';
    // Step Functions' Cause for a failed batch:submitJob.sync: DescribeJobs' job, PascalCase.
    const batchCause = JSON.stringify({
      JobName: 'vlmflow-run-1-connector',
      JobId: 'a1b2',
      Status: 'FAILED',
      StatusReason: 'Essential container in task exited',
      Container: { ExitCode: 1, LogStreamName: STREAM, Image: 'x'.repeat(3000) },
    });
    const withLogs: ActionIo = {
      ...io,
      logs: () => new CloudWatchLogsClient({ region: 'eu-west-1' }),
    };

    beforeEach(() => {
      logs.reset();
      sfn.on(DescribeExecutionCommand).resolves({
        executionArn: EXECUTION,
        stateMachineArn: MACHINE,
        name: 'run-1',
        status: 'FAILED',
        startDate: new Date('2026-01-02T03:04:05Z'),
        error: 'States.TaskFailed',
        cause: batchCause,
      });
    });

    test("shows the job's reason and the last lines of its CloudWatch log", async () => {
      logs.on(GetLogEventsCommand).resolves({
        events: [
          { timestamp: 1, message: 'step 1 loss 2.31' },
          { timestamp: 2, message: 'Traceback (most recent call last):' },
          { timestamp: 3, message: 'torch.OutOfMemoryError: CUDA out of memory.' },
        ],
      });
      await statusAction(EXECUTION, {}, withLogs);
      expect(logs.commandCalls(GetLogEventsCommand)[0]?.args[0].input).toEqual({
        logGroupName: '/aws/batch/job',
        logStreamName: STREAM,
        startFromHead: false,
        limit: 20,
      });
      const lines = output.split('\n');
      expect(lines).toContain('  error: States.TaskFailed');
      expect(lines).toContain(
        '  first cause: training job vlmflow-run-1-connector failed: Essential container in task exited (exit code 1)',
      );
      expect(lines.slice(-4, -1)).toEqual([
        '    | step 1 loss 2.31',
        '    | Traceback (most recent call last):',
        '    | torch.OutOfMemoryError: CUDA out of memory.',
      ]);
      // The 3 KB job JSON is left to --json.
      expect(output).not.toContain('xxxx');
    });

    test('says why when the log cannot be read, and carries the cause in --json', async () => {
      logs.on(GetLogEventsCommand).rejects(
        new ResourceNotFoundException({
          message: 'The specified log stream does not exist.',
          $metadata: {},
        }),
      );
      await statusAction(EXECUTION, { json: true }, withLogs);
      const status = JSON.parse(output) as { causes: { message: string; logTail: string[] }[] };
      expect(status.causes).toEqual([
        {
          error: 'States.TaskFailed',
          message:
            'training job vlmflow-run-1-connector failed: Essential container in task exited (exit code 1)',
          logTail: [
            `(could not read log /aws/batch/job/${STREAM}: The specified log stream does not exist.)`,
          ],
        },
      ]);
    });
  });

  test('a bare name without a pipeline is explained', async () => {
    await expect(statusAction('run-1', {}, io)).rejects.toThrow(
      '"run-1" is neither an execution ARN nor a run folder; for an execution name add --pipeline <name> or --state-machine-arn <arn>',
    );
  });
});

test('vlmflow redrive calls RedriveExecution on the execution', async () => {
  sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date('2026-01-02T00:00:00Z') });
  await redriveAction('run-1', { stateMachineArn: MACHINE }, io);
  expect(sfn.commandCalls(RedriveExecutionCommand)[0]?.args[0].input).toEqual({
    executionArn: EXECUTION,
  });
  expect(output).toBe(`redriven ${EXECUTION} at 2026-01-02T00:00:00.000Z\n`);
});
