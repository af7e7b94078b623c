/**
 * `vlmflow start` and `status` against moto's Step Functions (a real HTTP service, reached
 * only through AWS_ENDPOINT_URL). moto accepts the compiled definition with its Distributed
 * Map and keeps executions RUNNING without interpreting them, and ListMapRuns answers with no
 * map runs, so this shows the wire protocol and the lookup, not Map Run counts (those are
 * covered with aws-sdk-client-mock in commands.test.ts). Skipped when moto is not installed
 * (`pip install 'moto[server]'`; .ci/run installs it).
 */
import * as path from 'node:path';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { defaultIo, startAction, statusAction } from '../../infra/cli/aws/actions';
import { compile, substitute } from '../../infra/compiler';
import { discoverPipelines } from '../../infra/cdk/discover-pipelines';
import { PROJECT_ROOT } from '../cdk/helpers';
import { motoInstalled, startMoto, type MotoServer } from '../helpers/moto';

(motoInstalled ? describe : describe.skip)('against moto server', () => {
  let moto: MotoServer | undefined;
  const saved = { ...process.env };
  const graph = (() => {
    const found = discoverPipelines(path.join(PROJECT_ROOT, 'pipelines')).find(
      ({ pipeline }) => pipeline.name === 'pairs-basic',
    );
    if (!found) throw new Error('pipelines/pairs-basic.ts is missing');
    return found.pipeline.graph;
  })();

  beforeAll(async () => {
    moto = await startMoto();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
    // What `cdk deploy` creates, with the compiled definition and its substitutions.
    const lambda = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
    await new SFNClient({}).send(
      new CreateStateMachineCommand({
        name: 'vlmflow-pairs-basic',
        roleArn: 'arn:aws:iam::123456789012:role/vlmflow-pairs-basic',
        definition: substitute(JSON.stringify(compile(graph).definition), {
          PlanFunctionArn: lambda('plan'),
          CurateFunctionArn: lambda('curate'),
          FinalizeFunctionArn: lambda('finalize'),
          SummaryFunctionArn: lambda('summary'),
          DataRoot: 's3://vlmflow-data',
        }),
      }),
    );
  }, 30_000);

  afterAll(() => {
    process.env = saved;
    moto?.stop();
  });

  test('start finds the machine by name and status reads the execution back', async () => {
    let output = '';
    const io = { ...defaultIo(), write: (text: string) => void (output += text) };
    await startAction(graph, { param: ['minSide=150'], runId: 'moto-1', json: true }, io);
    const started = JSON.parse(output) as { executionArn: string; input: unknown };
    expect(started.executionArn).toMatch(
      /^arn:aws:states:us-east-1:123456789012:execution:vlmflow-pairs-basic:/,
    );
    expect(started.input).toEqual({ runId: 'moto-1', params: { minSide: 150 } });

    output = '';
    await statusAction(started.executionArn, { json: true }, io);
    expect(JSON.parse(output)).toMatchObject({
      executionArn: started.executionArn,
      status: 'RUNNING',
      mapRuns: [],
    });

    // By name, through the pipeline's state machine.
    output = '';
    const name = started.executionArn.split(':').pop() ?? '';
    await statusAction(name, { pipeline: 'pairs-basic', json: true }, io);
    expect(JSON.parse(output)).toMatchObject({ name, status: 'RUNNING' });
  });
});
