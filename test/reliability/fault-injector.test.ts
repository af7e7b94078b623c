/** The fault injector alone: which invocations fail, with what, and the CLI's flag parsing. */
import {
  createFaultInjector,
  FAULT_ERRORS,
  parseFaultKinds,
  type InvocationControl,
} from '../../infra/local/faults';
import type { JsonValue } from '../../infra/local/asl';

const shardEvent = (key: string): JsonValue => ({
  task: { stage: 's', item: { key, uri: `file:///in/${key}.tar` } },
  segment: 0,
});
const KEYS = Array.from({ length: 200 }, (_, i) => `k${i}`);

/** Outcome of the first attempt at each key, calling in the given order. */
async function outcomes(order: readonly string[], seed: number): Promise<Record<string, string>> {
  const injector = createFaultInjector({ rate: 0.3, kinds: ['throttle', 'crash'], seed });
  const handler = injector.wrap('curate', (_event, control?: InvocationControl) =>
    control?.kill ? Promise.reject(new Error('killed')) : 'ok',
  );
  const out: Record<string, string> = {};
  for (const key of order) {
    out[key] = await Promise.resolve(handler(shardEvent(key))).then(
      () => 'ok',
      (error: Error) => error.name,
    );
  }
  return out;
}

it('fails the same invocations whatever the order of calls', async () => {
  const forward = await outcomes(KEYS, 3);
  expect(await outcomes([...KEYS].reverse(), 3)).toEqual(forward);
  const failed = Object.values(forward).filter((o) => o !== 'ok').length;
  expect(failed).toBeGreaterThan(30);
  expect(failed).toBeLessThan(90);
  expect(await outcomes(KEYS, 4)).not.toEqual(forward);
});

it('names each failure as Step Functions would, and asks shard pools to kill the worker', async () => {
  const controls: (InvocationControl | undefined)[] = [];
  const injector = createFaultInjector({ rate: 1, kinds: ['timeout'] });
  const handler = injector.wrap('curate', (_event, control) => void controls.push(control));
  await expect(Promise.resolve(handler(shardEvent('a')))).rejects.toMatchObject({
    name: 'States.Timeout',
  });
  expect(controls[0]?.kill?.errorName).toBe(FAULT_ERRORS.timeout);
  expect(injector.injected).toEqual({ throttle: 0, service: 0, crash: 0, timeout: 1 });
});

it('never crashes control functions; throttles them without running them', async () => {
  let runs = 0;
  const crashOnly = createFaultInjector({ rate: 1, kinds: ['crash'] }).wrap('plan', () => ++runs);
  expect(await crashOnly({})).toBe(1);
  const throttled = createFaultInjector({ rate: 1, kinds: ['throttle'] }).wrap(
    'plan',
    () => ++runs,
  );
  await expect(Promise.resolve(throttled({}))).rejects.toMatchObject({
    name: 'Lambda.TooManyRequestsException',
  });
  expect(runs).toBe(1);
});

it('runs the function before losing its answer on a service fault', async () => {
  let runs = 0;
  const handler = createFaultInjector({ rate: 1, kinds: ['service'] }).wrap(
    'finalize',
    () => ++runs,
  );
  await expect(Promise.resolve(handler({}))).rejects.toMatchObject({
    name: 'Lambda.ServiceException',
  });
  expect(runs).toBe(1);
});

it('parses --fault lists and refuses unknown kinds and rates', () => {
  expect(parseFaultKinds(['throttle', 'crash,timeout', 'throttle'])).toEqual([
    'throttle',
    'crash',
    'timeout',
  ]);
  expect(() => parseFaultKinds(['throttle,oom'])).toThrow(
    '--fault oom: expected throttle, service, crash, timeout',
  );
  expect(() => createFaultInjector({ rate: 1.5 })).toThrow(
    '--fail-rate: expected a number from 0 to 1, got 1.5',
  );
});
