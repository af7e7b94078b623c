/**
 * `arn:aws:states:::lambda:invoke` run locally: the Task's effective input is
 * `{FunctionName, Payload}`; the handler gets the Payload as a Lambda would (a JSON copy) and
 * the state gets what the service integration returns.
 */
import { isJsonObject, toJson, type JsonValue } from './asl';
import { lambdaFailure, TaskError } from './errors';

/** A Lambda handler as the runner calls it: the event in, the function's result out. */
export type LambdaHandler = (event: JsonValue) => Promise<unknown> | unknown;
/** What aws-local-stepfunctions calls for an overridden Task state. */
export type TaskHandler = (input: JsonValue) => Promise<JsonValue>;

/** Step Functions' limit on a state's input or output. */
export const STATE_DATA_LIMIT_BYTES = 256 * 1024;

export interface LambdaInvokeResult {
  readonly ExecutedVersion: '$LATEST';
  readonly Payload: JsonValue;
  readonly StatusCode: 200;
}

export function createLambdaInvokeHandler(
  resolve: (functionName: string) => LambdaHandler | undefined,
  onResult?: (functionName: string, payload: JsonValue) => void,
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
    let payload: JsonValue;
    try {
      // A JSON round trip both ways, as over the wire: no shared objects, no undefined.
      payload = toJson(await handler(toJson(input.Payload ?? {})));
    } catch (error) {
      throw lambdaFailure(error);
    }
    const result: LambdaInvokeResult = {
      ExecutedVersion: '$LATEST',
      Payload: payload,
      StatusCode: 200,
    };
    const size = Buffer.byteLength(JSON.stringify(result));
    if (size > STATE_DATA_LIMIT_BYTES) {
      throw new TaskError(
        'States.DataLimitExceeded',
        `The state/task '${functionName}' returned a result with a size exceeding the maximum number of bytes service limit (${size} > ${STATE_DATA_LIMIT_BYTES}).`,
      );
    }
    onResult?.(functionName, payload);
    return { ...result };
  };
}
