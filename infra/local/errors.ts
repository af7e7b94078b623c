/**
 * Errors as Step Functions sees them. The interpreter matches Retry/Catch on `error.name` and
 * puts `error.message` into the Catch output's `Cause`, so a local Task handler throws a
 * TaskError whose name is the Step Functions error name and whose message is the Cause.
 */
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
} from 'aws-local-stepfunctions';

export class TaskError extends Error {
  /**
   * @param fatal like Step Functions' States.Runtime: neither Retry nor Catch (States.ALL
   * included) applies; the interpreter reads `isRetryable`/`isCatchable`.
   */
  constructor(
    name: string,
    cause: string,
    private readonly fatal = false,
  ) {
    super(cause);
    this.name = name;
  }
  get isRetryable(): boolean {
    return !this.fatal;
  }
  get isCatchable(): boolean {
    return !this.fatal;
  }
}

/** A runtime error in the definition itself (bad path, wrong type): fails the execution. */
export function statesRuntimeError(cause: string): TaskError {
  return new TaskError('States.Runtime', cause, true);
}

export interface ErrorInfo {
  readonly Error: string;
  readonly Cause: string;
}

/**
 * What a Lambda function's failure looks like through `lambda:invoke`: the error's type as the
 * error name, and `{errorType, errorMessage, trace}` as a JSON string for the Cause.
 */
export function lambdaFailure(error: unknown): TaskError {
  const err = error instanceof Error ? error : new Error(String(error));
  const errorType = err.name || 'Error';
  const trace = (err.stack ?? '').split('\n');
  return new TaskError(errorType, JSON.stringify({ errorType, errorMessage: err.message, trace }));
}

/** The Error/Cause of a failed interpreter execution (`StateMachine.run(...).result` rejecting). */
export function executionFailure(error: unknown): ErrorInfo {
  if (error instanceof ExecutionError && error.cause instanceof Error) {
    return { Error: error.cause.name, Cause: error.cause.message };
  }
  if (error instanceof ExecutionTimeoutError)
    return { Error: 'States.Timeout', Cause: error.message };
  if (error instanceof ExecutionAbortedError)
    return { Error: 'States.Aborted', Cause: error.message };
  if (error instanceof Error) return { Error: error.name, Cause: error.message };
  return { Error: 'States.Runtime', Cause: String(error) };
}
