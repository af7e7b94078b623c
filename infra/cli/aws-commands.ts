import type { Command } from 'commander';
import { findPipeline } from './pipelines';
import { defaultIo, redriveAction, schemaAction, startAction, statusAction } from './aws/actions';
import { defaultDoctorClients, renderDoctor, runDoctor } from './aws/doctor';

/** Commands that talk to AWS (or any endpoint given by AWS_ENDPOINT_URL), and `schema`. */
export function registerAwsCommands(program: Command): void {
  program
    .command('start <pipeline>')
    .description("start a run of the pipeline's deployed state machine")
    .option('--param <k=v>', 'run parameter (repeatable)', collect, [])
    .option(
      '--input <uri>',
      'input shards: <uri> for a one-source pipeline, or <source>=<uri> (repeatable)',
      collect,
      [],
    )
    .option(
      '--run-id <id>',
      'run id (run folder); rerunning an id resumes it (refused when the definition, parameters or inputs differ)',
    )
    .option(
      '--new-run',
      'when --run-id was made with other settings, write run <id>-2 (-3 …) instead',
    )
    .option('--max-shards <n>', 'process at most n shards per source', positiveInt)
    .option('--state-machine-arn <arn>', 'default: the state machine named vlmflow-<pipeline>')
    .option('--json', 'print {executionArn, input} as JSON')
    .action(async (name: string, flags: StartCommandFlags) => {
      const { pipeline } = findPipeline(name);
      await startAction(pipeline.graph, flags, defaultIo(), pipeline.operators);
    });

  program
    .command('status <execution>')
    .description(
      'state of a run: a local run id (under --workdir) or run folder, or an execution ARN or name on AWS',
    )
    .option('--workdir <dir>', 'data root of local runs, for a run id', 'work')
    .option('--pipeline <name>', 'the pipeline, when <execution> is an execution name')
    .option('--state-machine-arn <arn>', 'the state machine, when <execution> is an execution name')
    .option('--json', 'print JSON')
    .action(async (ref: string, flags: RefFlags & { json?: boolean; workdir?: string }) => {
      await statusAction(ref, flags, defaultIo());
    });

  program
    .command('redrive <execution>')
    .description('restart a failed execution from where it stopped (RedriveExecution)')
    .option('--pipeline <name>', 'the pipeline, when <execution> is an execution name')
    .option('--state-machine-arn <arn>', 'the state machine, when <execution> is an execution name')
    .action(async (ref: string, flags: RefFlags) => {
      await redriveAction(ref, flags, defaultIo());
    });

  program
    .command('doctor [pipeline]')
    .description(
      'read-only checks of the AWS account: credentials, CDK bootstrap, and for a pipeline its stack, definition, GPU quota, Lambda concurrency, bucket',
    )
    .option('--json', 'print the checks as JSON')
    .action(async (name: string | undefined, flags: { json?: boolean }) => {
      const graph = name ? findPipeline(name).pipeline.graph : undefined;
      const checks = await runDoctor(graph, defaultDoctorClients());
      console.log(flags.json ? JSON.stringify(checks, null, 2) : renderDoctor(checks).join('\n'));
      if (checks.some((c) => c.verdict === 'fail')) process.exitCode = 1;
    });

  program
    .command('schema <pipeline>')
    .description("print the JSON Schema of the pipeline's execution input")
    .action((name: string) => {
      const { pipeline } = findPipeline(name);
      schemaAction(pipeline.graph, defaultIo(), pipeline.operators);
    });
}

interface StartCommandFlags {
  readonly param: string[];
  readonly input: string[];
  readonly runId?: string;
  readonly maxShards?: number;
  readonly newRun?: boolean;
  readonly stateMachineArn?: string;
  readonly json?: boolean;
}

interface RefFlags {
  readonly pipeline?: string;
  readonly stateMachineArn?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--max-shards: expected a positive integer, got "${value}"`);
  return n;
}
