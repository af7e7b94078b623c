import type { JsonObject, JsonValue } from '../../infra/local/asl';
import { runLocal } from '../../infra/local/runner';
import { lambdaTask, machine, makeWorkdir, removeWorkdirs } from './asl-fixtures';

const throttled = (): Error =>
  Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });

/** Plan → Mix → Summarize: Mix is a plain lambda:invoke Task with the compiled Retry. */
function mixMachine(fields: JsonObject = {}): JsonObject {
  return machine(
    {
      'Mix m': lambdaTask(
        'MixFunctionArn',
        { 'runId.$': '$.runId' },
        {
          ResultPath: '$.mixed',
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Record failure' }],
          Next: 'Summarize',
          ...fields,
        },
      ),
    },
    'Mix m',
  );
}

async function runMix(mix: (event: JsonValue) => unknown, fields: JsonObject = {}) {
  const work = await makeWorkdir();
  const summaries: JsonObject[] = [];
  const result = await runLocal({
    definition: mixMachine(fields),
    pipeline: { name: 'test' },
    dataRoot: work.dir,
    handlers: {
      plan: () => ({ runId: 'run1' }),
      mix,
      summary: (event) => (summaries.push(event as JsonObject), { done: true }),
    },
  });
  return { result, state: summaries[0]?.state as JsonObject };
}

describe('lambda:invoke run locally', () => {
  afterAll(removeWorkdirs);
  it('wraps the handler result like the Lambda integration and passes the Payload as the event', async () => {
    const events: JsonValue[] = [];
    const { result, state } = await runMix(
      (event) => (events.push(event), { dataset: 'm', samples: 3 }),
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(events).toEqual([{ runId: 'run1' }]);
    expect(state.mixed).toEqual({
      ExecutedVersion: '$LATEST',
      Payload: { dataset: 'm', samples: 3 },
      StatusCode: 200,
    });
  });

  it('retries a throttled function (Lambda.TooManyRequestsException) until it succeeds', async () => {
    let calls = 0;
    const { result, state } = await runMix(() => {
      calls += 1;
      if (calls < 3) throw throttled();
      return { ok: true };
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toBe(3);
    expect((state.mixed as JsonObject).Payload).toEqual({ ok: true });
  });

  it('gives up after MaxAttempts retries and the Catch sees the Lambda-style error', async () => {
    let calls = 0;
    const { result, state } = await runMix(() => {
      calls += 1;
      throw throttled();
    });
    expect(calls).toBe(4); // the first try and 3 retries
    expect(result).toMatchObject({
      status: 'FAILED',
      error: { Error: 'Lambda.TooManyRequestsException' },
    });
    const failure = state.failure as JsonObject;
    expect(failure.Error).toBe('Lambda.TooManyRequestsException');
    const cause = JSON.parse(failure.Cause as string) as {
      errorType: string;
      errorMessage: string;
      trace: string[];
    };
    expect(cause.errorType).toBe('Lambda.TooManyRequestsException');
    expect(cause.errorMessage).toBe('Rate exceeded');
    expect(cause.trace[0]).toBe('Lambda.TooManyRequestsException: Rate exceeded');
  });

  it('does not retry errors the Retry does not name', async () => {
    let calls = 0;
    const { result } = await runMix(() => {
      calls += 1;
      throw Object.assign(new Error('bad params'), { name: 'ParamError' });
    });
    expect(calls).toBe(1);
    expect(result.error?.Error).toBe('ParamError');
  });

  it('times a Task out after its TimeoutSeconds with States.Timeout', async () => {
    const { result } = await runMix(() => new Promise(() => {}), { TimeoutSeconds: 1 });
    expect(result.error?.Error).toBe('States.Timeout');
  });

  it('fails with States.DataLimitExceeded when a result is over 256 KiB', async () => {
    const { result } = await runMix(() => ({ blob: 'x'.repeat(300 * 1024) }));
    expect(result.error?.Error).toBe('States.DataLimitExceeded');
  });
});
