/**
 * The CLI's SFN client is built with no endpoint option; the SDK reads AWS_ENDPOINT_URL
 * itself. Shown against a one-route HTTP server standing in for the service.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAction, defaultIo } from '../../infra/cli/aws/actions';
import { discoverPipelines } from '../../infra/cdk/discover-pipelines';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../cdk/helpers';

const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:vlmflow-pairs-basic';
const received: { target: string; body: unknown }[] = [];
const server = http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    const target = String(request.headers['x-amz-target']);
    received.push({ target, body: JSON.parse(body) as unknown });
    response.setHeader('content-type', 'application/x-amz-json-1.0');
    response.end(
      JSON.stringify(
        target.endsWith('ListStateMachines')
          ? {
              stateMachines: [
                {
                  name: 'vlmflow-pairs-basic',
                  stateMachineArn: MACHINE,
                  type: 'STANDARD',
                  creationDate: 0,
                },
              ],
            }
          : { executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:x`, startDate: 0 },
      ),
    );
  });
});
const saved = { ...process.env };

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;
  process.env.AWS_REGION = 'eu-west-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
});
afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => server.close(resolve));
});

test('vlmflow start talks to AWS_ENDPOINT_URL', async () => {
  const found = discoverPipelines(path.join(PROJECT_ROOT, 'pipelines')).find(
    ({ pipeline }) => pipeline.name === 'pairs-basic',
  );
  if (!found) throw new Error('pipelines/pairs-basic.ts is missing');
  let output = '';
  await startAction(
    found.pipeline.graph,
    { json: true },
    { ...defaultIo(), write: (t) => void (output += t) },
  );
  expect(received.map((r) => r.target)).toEqual([
    'AWSStepFunctions.ListStateMachines',
    'AWSStepFunctions.StartExecution',
  ]);
  expect(received[1]?.body).toEqual({ stateMachineArn: MACHINE, input: '{}' });
  expect(JSON.parse(output)).toEqual({
    executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:x`,
    input: {},
  });
});
