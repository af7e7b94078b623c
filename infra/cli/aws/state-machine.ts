/**
 * Finding a pipeline's deployed state machine and naming its executions. The stack names the
 * machine `vlmflow-<pipeline>` (infra/cdk/pipeline-stack.ts), so ListStateMachines finds it
 * without CloudFormation (`@aws-sdk/client-cloudformation` is not a dependency).
 */
import { ListStateMachinesCommand, type SFNClient } from '@aws-sdk/client-sfn';

/** The name the CDK stack gives the state machine of `pipeline`. */
export function stateMachineNameOf(pipeline: string): string {
  return `vlmflow-${pipeline}`;
}

/** `--state-machine-arn` when given, else the machine named `vlmflow-<pipeline>`. */
export async function resolveStateMachineArn(
  client: SFNClient,
  pipeline: string,
  explicitArn?: string,
): Promise<string> {
  if (explicitArn) return explicitArn;
  const wanted = stateMachineNameOf(pipeline);
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListStateMachinesCommand({ nextToken }));
    const found = page.stateMachines?.find((machine) => machine.name === wanted);
    if (found?.stateMachineArn) return found.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken);
  throw new Error(
    `no state machine named "${wanted}" in this account and region (deploy it with: npx cdk deploy ${wanted}, or pass --state-machine-arn)`,
  );
}

export const isExecutionArn = (ref: string): boolean => /^arn:[^:]+:states:.*:execution:/.test(ref);

/** `arn:…:stateMachine:<name>` + execution name → `arn:…:execution:<name>:<execution>`. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  const match = /^(arn:[^:]+:states:[^:]*:[^:]*):stateMachine:(.+)$/.exec(stateMachineArn);
  if (!match) throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  return `${match[1]}:execution:${match[2]}:${executionName}`;
}

/** The console page of an execution (region taken from its ARN). */
export function executionConsoleUrl(executionArn: string): string {
  const region = executionArn.split(':')[3] ?? '';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}
