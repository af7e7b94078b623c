/**
 * `arn:aws:states:::lambda:invoke` run locally: the Task's effective input is
 * `{FunctionName, Payload}`; the handler gets the Payload as a Lambda would (a JSON copy) and
 * the state gets what the service integration returns.
 */
import { isJsonObject, toJson, type JsonValue } from './asl';
import { lambdaFailure, TaskError } from './errors';
import type { InvocationControl } from './faults';

/**
 * A Lambda handler as the runner calls it: the event in, the function's result out. `control`
 * carries injected faults (faults.ts) to the shard worker pools; other handlers ignore it.
 */
export type LambdaHandler = (
  event: JsonValue,
  control?: InvocationControl,
) => Promise<unknown> | unknown;
/** What aws-local-stepfunctions calls for an overridden Task state. */
export type TaskHandler = (input: JsonValue) => Promise<JsonValue>;

/** Step Functions' limit on a state's input or output (and on a Lambda invoke payload). */
export const STATE_DATA_LIMIT_BYTES = 256 * 1024;

/** Lambda's limit on a synchronous invocation's response. */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;

/** Bytes of a value as state data (UTF-8 JSON). */
export function stateDataBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null));
}

/** Fails as Step Functions does when a state's input or output passes 256 KB. */
export function assertWithinDataLimit(value: unknown, what: string): void {
  const size = stateDataBytes(value);
  if (size > STATE_DATA_LIMIT_BYTES) {
    throw new TaskError(
      'States.DataLimitExceeded',
      `${what} has a size exceeding the maximum number of bytes service limit (${size} > ${STATE_DATA_LIMIT_BYTES}).`,
    );
  }
}

export interface LambdaInvokeResult {
  readonly ExecutedVersion: '$LATEST';
  readonly Payload: JsonValue;
  readonly StatusCode: 200;
}

export function createLambdaInvokeHandler(
  resolve: (functionName: string) => LambdaHandler | undefined,
  /** Called with each successful result and the payload the function was invoked with. */
  onResult?: (functionName: string, payload: JsonValue, request: JsonValue) => void,
  /** The caller's permission to invoke (as deployed); throws the error Step Functions reports. */
  authorizeInvoke?: (functionName: string) => Promise<void>,
): TaskHandler {
  return async (input) => {
    if (!isJsonObject(input) || typeof input.FunctionName !== 'string') {
      throw new TaskError('States.Runtime', 'lambda:invoke Task input has no FunctionName');
    }
    const functionName = input.FunctionName;
    const handler = resolve(functionName);
    if (!handler) {
      throw new TaskError(
        'Lambda.ResourceNotFoundException',
        `Function not found: ${functionName}`,
      );
    }
    // The task's input is checked too: Lambda refuses an invoke payload over the limit.
    assertWithinDataLimit(input, `The input of the task invoking '${functionName}'`);
    await authorizeInvoke?.(functionName);
    let payload: JsonValue;
    try {
      // A JSON round trip both ways, as over the wire: no shared objects, no undefined.
      payload = toJson(await handler(toJson(input.Payload ?? {})));
    } catch (error) {
      throw lambdaFailure(error);
    }
    const responseBytes = stateDataBytes(payload);
    if (responseBytes > LAMBDA_RESPONSE_LIMIT_BYTES)
      throw new TaskError(
        'Lambda.AWSLambdaException',
        `Response payload size (${responseBytes} bytes) exceeded maximum allowed payload size (${LAMBDA_RESPONSE_LIMIT_BYTES} bytes). (Service: Lambda, Status Code: 413)`,
      );
    const result: LambdaInvokeResult = {
      ExecutedVersion: '$LATEST',
      Payload: payload,
      StatusCode: 200,
    };
    assertWithinDataLimit(result, `The result returned by the state/task '${functionName}'`);
    onResult?.(functionName, payload, (input.Payload ?? {}) as JsonValue);
    return { ...result };
  };
}
