import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { JsonObject } from '../../infra/local/asl';
import type { RunEvent } from '../../infra/local/events';
import { runLocal } from '../../infra/local/runner';
import { machine, makeWorkdir, removeWorkdirs } from './asl-fixtures';

/** A Batch Task shaped like the compiled Train state; the command is a real Node subprocess. */
function trainMachine(script: string): JsonObject {
  return machine(
    {
      'Train t': {
        Type: 'Task',
        Resource: 'arn:aws:states:::batch:submitJob.sync',
        Parameters: {
          JobName: 'train-t',
          JobQueue: '${TrainJobQueueArn}',
          JobDefinition: '${TrainJobDefinitionArn}',
          ContainerOverrides: {
            'Command.$': `States.Array('${process.execPath}', '-e', '${script}', '--', States.Format('--run={}', $.runId), States.JsonToString($.config))`,
            Environment: [{ Name: 'VLMFLOW_STAGE', Value: 't' }],
          },
        },
        TimeoutSeconds: 120,
        ResultPath: '$.train',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Record failure' }],
        Next: 'Summarize',
      },
    },
    'Train t',
  );
}

async function runTrain(script: string) {
  const work = await makeWorkdir();
  const summaries: JsonObject[] = [];
  const events: RunEvent[] = [];
  const result = await runLocal({
    definition: trainMachine(script),
    pipeline: { name: 'test' },
    dataRoot: work.dir,
    batchWorkingDir: work.dir,
    onEvent: (event) => events.push(event),
    handlers: {
      plan: () => ({
        runId: 'run1',
        runRoot: `file://${work.dir}/runs/test/run1`,
        config: { epochs: 2 },
      }),
      summary: (event) => (summaries.push(event as JsonObject), {}),
    },
  });
  return { work, result, state: summaries[0]?.state as JsonObject, events };
}

// Written with double quotes only: the script sits inside a single-quoted intrinsic argument.
const REPORT =
  'require("fs").writeFileSync("job.json", JSON.stringify({cwd: process.cwd(), args: process.argv.slice(1), local: process.env.VLMFLOW_LOCAL, stage: process.env.VLMFLOW_STAGE})); console.log("trained")';

describe('batch:submitJob.sync run locally', () => {
  afterAll(removeWorkdirs);
  it('runs the command in the working directory with the overridden environment and logs to the run folder', async () => {
    const { work, result, state, events } = await runTrain(REPORT);
    expect(result.status).toBe('SUCCEEDED');
    const job = JSON.parse(await readFile(path.join(work.dir, 'job.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(job).toEqual({
      cwd: work.dir,
      args: ['--run=run1', '{"epochs":2}'],
      local: '1',
      stage: 't',
    });

    const train = state.train as JsonObject;
    expect(train).toMatchObject({
      JobName: 'train-t',
      Status: 'SUCCEEDED',
      Container: { ExitCode: 0 },
    });
    expect(train.JobQueue).toBe('arn:aws:batch:local:000000000000:job-queue/vlmflow-train');

    const logs = path.join(work.dir, 'runs', 'test', 'run1', 'logs');
    const [logFile] = await readdir(logs);
    expect(logFile).toBe(`train-t-${train.JobId as string}.log`);
    expect(await readFile(path.join(logs, logFile!), 'utf8')).toBe('trained\n');
    expect(events).toContainEqual({
      type: 'batch',
      state: 'train-t',
      jobName: 'train-t',
      jobId: train.JobId,
      logFile: path.join(logs, logFile!),
    });
  });

  it('fails with States.TaskFailed and the exit code in the Cause on a non-zero exit', async () => {
    const { result, state } = await runTrain('console.error("out of memory"); process.exit(3)');
    expect(result.status).toBe('FAILED');
    expect(result.error?.Error).toBe('States.TaskFailed');
    const cause = JSON.parse((state.failure as JsonObject).Cause as string) as {
      Status: string;
      Container: { ExitCode: number; LogStreamName: string };
    };
    expect(cause.Status).toBe('FAILED');
    expect(cause.Container.ExitCode).toBe(3);
    expect(await readFile(cause.Container.LogStreamName, 'utf8')).toBe('out of memory\n');
  });
});
