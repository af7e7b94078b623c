import type { Catcher, JsonObject, Retrier, TaskState, Transition } from './asl';
import {
  LAMBDA_FUNCTIONS,
  functionArnPlaceholder,
  type LambdaFunctionName,
} from '../../core/functions';
import { ref } from '../../core/placeholders';

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
export const BATCH_SUBMIT_SYNC = 'arn:aws:states:::batch:submitJob.sync';

/** Transient Lambda service errors: retried with exponential backoff and full jitter. */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
] as const;

export const LAMBDA_RETRY: Retrier = {
  ErrorEquals: LAMBDA_TRANSIENT_ERRORS,
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

/**
 * A shard task that died without an answer (out of memory, Lambda timeout) is tried once more:
 * the handler is idempotent and a warm retry often succeeds. Errors the handler raises itself
 * (bad data, bad config) are deterministic and not retried.
 */
export const SHARD_CRASH_RETRY: Retrier = {
  ErrorEquals: ['Lambda.Unknown', 'States.Timeout'],
  IntervalSeconds: 5,
  MaxAttempts: 1,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

export const catchAll = (next: string, resultPath: string): Catcher[] => [
  { ErrorEquals: ['States.ALL'], ResultPath: resultPath, Next: next },
];

export interface TaskOptions {
  readonly transition: Transition;
  readonly resultSelector?: JsonObject;
  readonly resultPath?: string | null;
  readonly outputPath?: string;
  readonly retry?: readonly Retrier[];
  readonly catch?: readonly Catcher[];
  readonly comment?: string;
}

/** A Lambda invoke state; its TimeoutSeconds is the function's own timeout (core/functions.ts). */
export function renderLambdaTask(
  fn: LambdaFunctionName,
  payload: JsonObject,
  o: TaskOptions,
): TaskState {
  return {
    Type: 'Task',
    Resource: LAMBDA_INVOKE,
    ...(o.comment ? { Comment: o.comment } : {}),
    Parameters: { FunctionName: ref(functionArnPlaceholder(fn)), Payload: payload },
    TimeoutSeconds: LAMBDA_FUNCTIONS[fn].timeoutSeconds,
    ...(o.resultSelector ? { ResultSelector: o.resultSelector } : {}),
    ...(o.resultPath !== undefined ? { ResultPath: o.resultPath } : {}),
    ...(o.outputPath !== undefined ? { OutputPath: o.outputPath } : {}),
    Retry: o.retry ?? [LAMBDA_RETRY],
    ...(o.catch ? { Catch: o.catch } : {}),
    ...o.transition,
  };
}

export const next = (name: string): Transition => ({ Next: name });
export const end: Transition = { End: true };

/** Keeps a handler's DatasetRef from the Lambda response envelope, field by field. */
export const DATASET_REF_SELECTOR: JsonObject = Object.fromEntries(
  [
    'dataset',
    'manifestUri',
    'shards',
    'in',
    'kept',
    'rejected',
    'failedShards',
    'failedShardCount',
  ].map((f) => [`${f}.$`, `$.Payload.${f}`]),
);
