/**
 * What `vlmflow start | status | redrive | schema` do, with the SDK client and the output
 * stream passed in so tests drive them against a mock or an emulator. The client is built
 * with no endpoint option: the SDK itself reads AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_SFN),
 * region and credentials from the environment or the profile.
 */
import { RedriveExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { renderInputSchemaJson } from '../../compiler/input-schema';
import type { PipelineGraph } from '../../../core/ir';
import type { OperatorDeclaration } from '../../../core/ops/operator';
import { describeExecutionStatus } from './execution-status';
import { findRunFolder } from '../local-runs';
import { isLocalRunFolder, readLocalRunStatus } from './local-status';
import { renderExecutionStatus, renderLocalStatus } from './render-status';
import { startRun, type StartFlags } from './start';
import {
  executionArnOf,
  executionConsoleUrl,
  isExecutionArn,
  resolveStateMachineArn,
} from './state-machine';

export interface ActionIo {
  readonly client: () => SFNClient;
  /** For a failed training job's log lines in `status`; without it they are not read. */
  readonly logs?: () => CloudWatchLogsClient;
  readonly write: (text: string) => void;
  /** Progress bars only on a terminal. */
  readonly isTTY: boolean;
}

export const defaultIo = (): ActionIo => ({
  client: () => new SFNClient({}),
  logs: () => new CloudWatchLogsClient({}),
  write: (text) => void process.stdout.write(text),
  isTTY: process.stdout.isTTY === true,
});

export interface JsonFlag {
  readonly json?: boolean;
}

export async function startAction(
  graph: PipelineGraph,
  flags: StartFlags & JsonFlag,
  io: ActionIo,
  operators?: readonly OperatorDeclaration[],
): Promise<void> {
  const run = await startRun(io.client(), graph, flags, operators);
  if (flags.json) {
    io.write(`${JSON.stringify({ executionArn: run.executionArn, input: run.input })}\n`);
    return;
  }
  io.write(
    [
      `started ${run.executionArn}`,
      `  input   ${JSON.stringify(run.input)}`,
      `  console ${executionConsoleUrl(run.executionArn)}`,
      `  watch   vlmflow status ${run.executionArn}`,
      '',
    ].join('\n'),
  );
}

export interface ExecutionRefFlags {
  /** For an execution given by name: the pipeline whose machine ran it. */
  readonly pipeline?: string;
  readonly stateMachineArn?: string;
}

/** An execution ARN as is; a name through the pipeline's state machine. */
export async function resolveExecutionArn(
  client: SFNClient,
  ref: string,
  flags: ExecutionRefFlags,
): Promise<string> {
  if (isExecutionArn(ref)) return ref;
  if (!flags.pipeline && !flags.stateMachineArn)
    throw new Error(
      `"${ref}" is neither an execution ARN nor a run folder; for an execution name add --pipeline <name> or --state-machine-arn <arn>`,
    );
  const machine = await resolveStateMachineArn(client, flags.pipeline ?? '', flags.stateMachineArn);
  return executionArnOf(machine, ref);
}

export async function statusAction(
  ref: string,
  flags: ExecutionRefFlags & JsonFlag & { readonly workdir?: string },
  io: ActionIo,
): Promise<void> {
  // A local run folder, or a local run id under the workdir; otherwise an execution on AWS.
  const folder = isExecutionArn(ref)
    ? undefined
    : isLocalRunFolder(ref)
      ? ref
      : findRunFolder(flags.workdir ?? 'work', ref);
  if (folder !== undefined) {
    const local = readLocalRunStatus(folder);
    io.write(
      flags.json
        ? `${JSON.stringify(local)}\n`
        : `${renderLocalStatus(local, io.isTTY).join('\n')}\n`,
    );
    return;
  }
  const client = io.client();
  const status = await describeExecutionStatus(
    client,
    await resolveExecutionArn(client, ref, flags),
    io.logs?.(),
  );
  io.write(
    flags.json
      ? `${JSON.stringify(status)}\n`
      : `${renderExecutionStatus(status, io.isTTY).join('\n')}\n`,
  );
}

/** Restarts a failed, aborted or timed-out execution from where it stopped (its Map Runs too). */
export async function redriveAction(
  ref: string,
  flags: ExecutionRefFlags,
  io: ActionIo,
): Promise<void> {
  const client = io.client();
  const executionArn = await resolveExecutionArn(client, ref, flags);
  const result = await client.send(new RedriveExecutionCommand({ executionArn }));
  io.write(
    `redriven ${executionArn}${result.redriveDate ? ` at ${result.redriveDate.toISOString()}` : ''}\n`,
  );
}

export function schemaAction(
  graph: PipelineGraph,
  io: Pick<ActionIo, 'write'>,
  operators?: readonly OperatorDeclaration[],
): void {
  io.write(renderInputSchemaJson(graph, operators));
}
