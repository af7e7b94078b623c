import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { JsonObject } from '../../infra/local/asl';
import type { RunEvent } from '../../infra/local/events';
import { runLocal } from '../../infra/local/runner';
import { machine, makeWorkdir, removeWorkdirs } from './asl-fixtures';

/** A Batch Task shaped like the compiled Train state; the command is a real Node subprocess. */
function trainMachine(script: string, nodes?: number): JsonObject {
  const container = {
    'Command.$': `States.Array('${process.execPath}', '-e', '${script}', '--', States.Format('--run={}', $.runId), States.JsonToString($.config))`,
    Environment: [{ Name: 'VLMFLOW_STAGE', Value: 't' }],
  };
  return machine(
    {
      'Train t': {
        Type: 'Task',
        Resource: 'arn:aws:states:::batch:submitJob.sync',
        Parameters: {
          JobName: 'train-t',
          JobQueue: '${TrainJobQueueArn}',
          JobDefinition: '${TrainJobDefinitionArn}',
          ...(nodes === undefined
            ? { ContainerOverrides: container }
            : {
                NodeOverrides: {
                  NumNodes: nodes,
                  NodePropertyOverrides: [{ TargetNodes: '0:', ContainerOverrides: container }],
                },
              }),
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

async function runTrain(script: string, nodes?: number) {
  const work = await makeWorkdir();
  const summaries: JsonObject[] = [];
  const events: RunEvent[] = [];
  const result = await runLocal({
    definition: trainMachine(script, nodes),
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

  it('runs a multi-node job (NodeOverrides) as one process per node with the environment Batch sets', async () => {
    const NODE_REPORT =
      'const e = process.env; require("fs").writeFileSync("node-" + e.AWS_BATCH_JOB_NODE_INDEX + ".json", JSON.stringify({nodes: e.AWS_BATCH_JOB_NUM_NODES, main: e.AWS_BATCH_JOB_MAIN_NODE_INDEX, address: e.AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS || null, port: e.MASTER_PORT, stage: e.VLMFLOW_STAGE}))';
    const { work, result } = await runTrain(NODE_REPORT, 3);
    expect(result.status).toBe('SUCCEEDED');
    const nodes = await Promise.all(
      [0, 1, 2].map(
        async (i) =>
          JSON.parse(await readFile(path.join(work.dir, `node-${i}.json`), 'utf8')) as Record<
            string,
            unknown
          >,
      ),
    );
    expect(nodes.map((n) => [n.nodes, n.main, n.address, n.stage])).toEqual([
      ['3', '0', null, 't'],
      ['3', '0', '127.0.0.1', 't'],
      ['3', '0', '127.0.0.1', 't'],
    ]);
    expect(new Set(nodes.map((n) => n.port)).size).toBe(1);
  });

  it('fails a multi-node job when one node fails, naming its exit code', async () => {
    const { result, state } = await runTrain(
      'if (process.env.AWS_BATCH_JOB_NODE_INDEX === "1") process.exit(4); setTimeout(() => {}, 60000)',
      2,
    );
    expect(result.status).toBe('FAILED');
    const cause = JSON.parse((state.failure as JsonObject).Cause as string) as {
      Container: { ExitCode: number };
    };
    expect(cause.Container.ExitCode).toBe(4);
  });
});
