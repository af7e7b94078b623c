/**
 * What the runner checks as deployed, around the three things it substitutes: a Lambda
 * handler runs as its function's role; the state machine's role must be allowed to invoke it,
 * to start a Distributed Map's child executions (and reads the ItemReader manifest and writes
 * ResultWriter files as itself); a Batch job submission needs batch:SubmitJob on the queue and
 * the job definition. Denials fail the Task with the error Step Functions reports on AWS.
 */
import { TaskError } from '../errors';
import type { LambdaHandler, TaskHandler } from '../lambda-invoke';
import { roleOfFunction } from '../substitute';
import { STATE_MACHINE, type DeployedAccess, type PrincipalName } from './access';
import { accessDenied, isAllowed } from './authorizer';
import { runAs } from './authorizing-storage';

export interface DeployedChecks {
  asFunction(role: PrincipalName, handler: LambdaHandler): LambdaHandler;
  authorizeInvoke(functionName: string): Promise<void>;
  asMapRun(handler: TaskHandler): TaskHandler;
  asJobSubmission(handler: TaskHandler): TaskHandler;
}

export function deployedChecks(access: DeployedAccess): DeployedChecks {
  /** Fails with `errorName` unless the state machine's role may do `action` on each resource. */
  const require = async (
    errorName: string,
    service: string,
    action: string,
    resources: readonly (string | undefined)[],
  ): Promise<void> => {
    for (const resource of resources) {
      if (!resource)
        throw new TaskError(errorName, `${action}: the deployed stack has no such resource`);
      const request = { principal: STATE_MACHINE, action, resource };
      if (!(await isAllowed(access, request)))
        throw new TaskError(
          errorName,
          `${accessDenied(access, request).message} (Service: ${service}, Status Code: 403, Error Code: AccessDeniedException)`,
        );
    }
  };
  return {
    asFunction: (role, handler) => (event, control) =>
      runAs(access, role, () => handler(event, control)),
    authorizeInvoke: async (functionName) => {
      const role = roleOfFunction(functionName);
      await require('Lambda.AWSLambdaException', 'Lambda', 'lambda:InvokeFunction', [
        role ? access.functionArns[role] : undefined,
      ]);
    },
    asMapRun: (handler) => async (input) => {
      await require('States.Runtime', 'Step Functions', 'states:StartExecution', [
        access.stateMachineArn,
      ]);
      return runAs(access, STATE_MACHINE, () => handler(input));
    },
    asJobSubmission: (handler) => async (input) => {
      await require('Batch.AWSBatchException', 'Batch', 'batch:SubmitJob', [
        access.jobQueueArn,
        access.jobDefinitionArn,
      ]);
      return handler(input);
    },
  };
}
