/**
 * `vlmflow start`: builds the execution input from flags, checks it against the pipeline's
 * parameter specs and operator schemas (the same check Plan runs, so a typo fails before
 * anything is billed) and
 * starts an execution of the deployed state machine.
 */
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { RunInput } from '../../../core/contracts';
import { checkRunId } from '../../../core/layout';
import type { PipelineGraph } from '../../../core/ir';
import type { OperatorDeclaration } from '../../../core/ops/operator';
import { parseInputFlags } from '../options';
import { parseRunParams } from '../run-params';
import { resolveStateMachineArn } from './state-machine';

export interface StartFlags {
  readonly param?: readonly string[];
  readonly input?: readonly string[];
  readonly runId?: string;
  readonly maxShards?: number;
  readonly newRun?: boolean;
  readonly stateMachineArn?: string;
}

export interface StartedRun {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly startDate?: Date;
  readonly input: RunInput;
}

/** The execution input the flags describe; only what differs from the defaults is sent. */
export function runInputFromFlags(
  graph: PipelineGraph,
  flags: StartFlags,
  operators?: readonly OperatorDeclaration[],
): RunInput {
  const params = parseRunParams(
    flags.param ?? [],
    { graph, ...(operators && { operators }) },
    { checkValues: true },
  );
  const inputs = parseInputFlags(
    flags.input ?? [],
    graph.sources.map((source) => source.name),
  );
  return {
    ...(flags.runId !== undefined && { runId: checkRunId(flags.runId) }),
    ...(Object.keys(params).length > 0 && { params }),
    ...(Object.keys(inputs).length > 0 && { inputs }),
    ...(flags.maxShards !== undefined && { maxShards: flags.maxShards }),
    ...(flags.newRun && { onChange: 'newRun' as const }),
  };
}

export async function startRun(
  client: SFNClient,
  graph: PipelineGraph,
  flags: StartFlags,
  operators?: readonly OperatorDeclaration[],
): Promise<StartedRun> {
  const input = runInputFromFlags(graph, flags, operators);
  const stateMachineArn = await resolveStateMachineArn(client, graph.name, flags.stateMachineArn);
  const started = await client.send(
    new StartExecutionCommand({
      stateMachineArn,
      // No execution name: Step Functions makes a unique one (the default run id). A given
      // runId lives in the input, so resuming a run starts a new execution on the same folder.
      input: JSON.stringify(input),
    }),
  );
  if (!started.executionArn) throw new Error('StartExecution returned no executionArn');
  return {
    executionArn: started.executionArn,
    stateMachineArn,
    ...(started.startDate && { startDate: started.startDate }),
    input,
  };
}
