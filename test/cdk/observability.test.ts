/** Powertools around a plain handler: one structured log line and EMF metrics per invocation. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { withObservability } from '../../lambdas/runtime/observability';

const context = {
  functionName: 'vlmflow-p-curate',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:vlmflow-p-curate',
  memoryLimitInMB: '3008',
  functionVersion: '$LATEST',
} as Context;

function captured(): { lines: Record<string, unknown>[]; restore: () => void } {
  const lines: Record<string, unknown>[] = [];
  const capture = (chunk: unknown): boolean => {
    for (const line of String(chunk).split('\n').filter(Boolean))
      lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  };
  // Powertools writes INFO to stdout and ERROR to stderr.
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  return { lines, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

beforeAll(() => {
  process.env.POWERTOOLS_DEV = 'false';
});

test('a shard result: a log line with the counts and Samples* metrics per stage', async () => {
  const out = captured();
  try {
    const handler = withObservability(
      async (event: { n: number }) => ({
        stage: 'pairs',
        shard: 's0',
        in: event.n,
        kept: 7,
        rejected: { 'x:y': 3 },
      }),
      {
        pipeline: 'p',
        functionName: 'curate',
        logger: new Logger({ serviceName: 'vlmflow-p' }),
        metrics: new Metrics({ namespace: 'vlmflow', serviceName: 'vlmflow-p' }),
      },
    );
    await expect(handler({ n: 10 }, context)).resolves.toMatchObject({ kept: 7 });
  } finally {
    out.restore();
  }
  const log = out.lines.find((line) => line.message === 'handler succeeded');
  expect(log).toMatchObject({
    level: 'INFO',
    service: 'vlmflow-p',
    pipeline: 'p',
    function: 'curate',
    function_request_id: 'req-1',
    shard: { stage: 'pairs', shard: 's0', in: 10, kept: 7 },
  });
  const emf = out.lines.find((line) => '_aws' in line);
  expect(emf).toMatchObject({
    pipeline: 'p',
    function: 'curate',
    stage: 'pairs',
    SamplesIn: 10,
    SamplesKept: 7,
    SamplesRejected: 3,
    ShardsProcessed: 1,
  });
});

test('a failure: the error logged, HandlerFailures counted, the error rethrown unchanged', async () => {
  const out = captured();
  const boom = new Error('boom');
  try {
    const handler = withObservability(
      async () => {
        throw boom;
      },
      {
        pipeline: 'p',
        functionName: 'plan',
        logger: new Logger({ serviceName: 'vlmflow-p' }),
        metrics: new Metrics({ namespace: 'vlmflow', serviceName: 'vlmflow-p' }),
      },
    );
    await expect(handler({}, context)).rejects.toBe(boom);
  } finally {
    out.restore();
  }
  expect(out.lines.find((line) => line.message === 'handler failed')).toMatchObject({
    level: 'ERROR',
    function: 'plan',
    error: { name: 'Error', message: 'boom' },
  });
  expect(out.lines.find((line) => '_aws' in line)).toMatchObject({ HandlerFailures: 1 });
});
