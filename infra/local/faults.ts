/**
 * Injected faults for local runs (`vlmflow run --fail-rate 0.3 --fault throttle`): a share of
 * Lambda invocations fails the way AWS fails them, so the compiled Retry policies, the
 * tolerated-failure threshold, the failed-shard summary and resume can be exercised on one
 * machine. See docs/fault-model.md.
 *
 * Which invocation fails depends only on (seed, function, shard, attempt), never on timing or
 * scheduling order, so a faulty run is reproducible at any concurrency.
 */
import { createHash } from 'node:crypto';
import type { LambdaHandler } from './lambda-invoke';
import { SHARD_ROLES } from './handlers';
import type { LambdaRole } from './substitute';
import { isJsonObject, type JsonValue } from './asl';

export const FAULT_KINDS = ['throttle', 'service', 'crash', 'timeout'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Kinds injected when only a rate is given: the ones every Lambda invocation can meet. */
export const DEFAULT_FAULT_KINDS: readonly FaultKind[] = ['throttle', 'service'];

/** The error names Step Functions reports for each kind (what Retry's ErrorEquals matches). */
export const FAULT_ERRORS: Readonly<Record<FaultKind, string>> = {
  throttle: 'Lambda.TooManyRequestsException',
  service: 'Lambda.ServiceException',
  crash: 'Lambda.Unknown',
  timeout: 'States.Timeout',
};

/** Kinds that need a worker to kill: only the shard functions run in one. */
const WORKER_KINDS: ReadonlySet<FaultKind> = new Set(['crash', 'timeout']);

export interface FaultOptions {
  /** Share of invocations that fail, 0..1. */
  readonly rate: number;
  /** @default DEFAULT_FAULT_KINDS */
  readonly kinds?: readonly FaultKind[];
  /** @default 0 */
  readonly seed?: number;
  /** A crashed or timed-out shard worker is killed this long after it starts, at most. @default 200 */
  readonly maxKillDelayMs?: number;
}

/**
 * How the runner asks a shard worker pool to fail one invocation: kill the worker `afterMs`
 * into the shard (or as it answers, if it is faster), and report `errorName`.
 */
export interface KillOrder {
  readonly afterMs: number;
  readonly errorName: string;
}

/** Passed as a Lambda handler's second argument; shard pools honour `kill`, others ignore it. */
export interface InvocationControl {
  readonly kill?: KillOrder;
}

export type FaultCounts = Record<FaultKind, number>;

export interface FaultInjector {
  /** The handler of a function with this role, failing a share of its invocations. */
  wrap(role: LambdaRole, handler: LambdaHandler): LambdaHandler;
  /** Faults injected so far, by kind. */
  readonly injected: Readonly<FaultCounts>;
}

/** An Error whose name is what Step Functions matches; the message says it was injected. */
export function injectedError(kind: FaultKind, what: string): Error {
  const messages: Record<FaultKind, string> = {
    throttle: 'Rate Exceeded.',
    service: 'Service error: the response was lost after the function ran.',
    crash: 'The function crashed.',
    timeout: 'Task timed out.',
  };
  const error = new Error(`${messages[kind]} (injected fault: ${kind}, ${what})`);
  error.name = FAULT_ERRORS[kind];
  return error;
}

/** `--fault throttle --fault crash,timeout` → ['throttle', 'crash', 'timeout']. */
export function parseFaultKinds(values: readonly string[]): FaultKind[] {
  const kinds = values.flatMap((value) => value.split(',').map((part) => part.trim()));
  const unknown = kinds.filter((kind) => !(FAULT_KINDS as readonly string[]).includes(kind));
  if (unknown.length > 0)
    throw new Error(`--fault ${unknown.join(',')}: expected ${FAULT_KINDS.join(', ')}`);
  return [...new Set(kinds as FaultKind[])];
}

export function checkFaultRate(rate: number): number {
  if (!Number.isFinite(rate) || rate < 0 || rate > 1)
    throw new Error(`--fail-rate: expected a number from 0 to 1, got ${rate}`);
  return rate;
}

/** A number in [0, 1) from the hash of the parts: the same parts, the same number. */
function unitHash(...parts: readonly (string | number)[]): number {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** Which invocation this is, independent of timing: the shard (and segment) or the function. */
function invocationKey(role: LambdaRole, event: JsonValue): string {
  if (!isJsonObject(event) || !isJsonObject(event.task)) return role;
  const { task, segment } = event;
  const key = isJsonObject(task.item) ? task.item.key : undefined;
  return typeof key === 'string' ? `${role}/${String(task.stage)}/${key}/${String(segment)}` : role;
}

export function createFaultInjector(options: FaultOptions): FaultInjector {
  const rate = checkFaultRate(options.rate);
  const kinds = options.kinds && options.kinds.length > 0 ? options.kinds : DEFAULT_FAULT_KINDS;
  const seed = options.seed ?? 0;
  const maxKillDelayMs = options.maxKillDelayMs ?? 200;
  const attempts = new Map<string, number>();
  const injected: FaultCounts = { throttle: 0, service: 0, crash: 0, timeout: 0 };

  const choose = (role: LambdaRole, key: string): FaultKind | undefined => {
    const usable = SHARD_ROLES.includes(role) ? kinds : kinds.filter((k) => !WORKER_KINDS.has(k));
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    if (usable.length === 0 || unitHash(seed, key, attempt, 'fail') >= rate) return undefined;
    return usable[Math.floor(unitHash(seed, key, attempt, 'kind') * usable.length)];
  };

  const wrap =
    (role: LambdaRole, handler: LambdaHandler): LambdaHandler =>
    async (event) => {
      const key = invocationKey(role, event);
      const kind = choose(role, key);
      if (kind === undefined) return handler(event);
      injected[kind] += 1;
      switch (kind) {
        case 'throttle':
          // Lambda refused the invocation: the function never ran.
          throw injectedError(kind, key);
        case 'service': {
          // The worst case for idempotency: the function ran and wrote, the caller saw an error.
          await handler(event);
          throw injectedError(kind, key);
        }
        case 'crash':
        case 'timeout': {
          const afterMs = Math.floor(unitHash(seed, key, 'delay') * maxKillDelayMs);
          const control: InvocationControl = { kill: { afterMs, errorName: FAULT_ERRORS[kind] } };
          await handler(event, control);
          // A pool that cannot kill (or a handler that ignores the order) still fails the call.
          throw injectedError(kind, key);
        }
      }
    };

  return { wrap, injected };
}
