import { Command } from 'commander';
import { compile, renderDefinitionJson, renderMermaid } from '../compiler';
import { findPipeline, listPipelineFiles, loadPipelineModule } from './pipelines';
import { runCommand } from './run';
import { paramRows, renderParamRows } from './params-command';
import { checkFaultRate, FAULT_KINDS } from '../local/faults';
import { registerAwsCommands } from './aws-commands';
import { registerReportCommands } from './report-commands';
import { renderRunRows, runRows } from './runs-command';
import { registerPackCommand } from './pack-command';
import { registerInitCommand } from './init-command';
import { version } from '../../package.json';

const program = new Command('vlmflow')
  .description('VLM data-curation and training pipelines: TypeScript → AWS Step Functions')
  .version(version);

program
  .command('list')
  .description("list the pipelines in ./pipelines (else vlmflow's own examples)")
  .option('--json', 'print JSON')
  .action((o: { json?: boolean }) => {
    const rows = listPipelineFiles().map((file) => {
      const { pipeline } = loadPipelineModule(file);
      const g = pipeline.graph;
      return {
        name: g.name,
        file,
        sources: g.sources.map((s) => s.name),
        mixes: g.mixes.map((m) => m.name),
        trains: g.trains.map((t) => t.name),
        description: g.description,
      };
    });
    if (o.json) return void console.log(JSON.stringify(rows, null, 2));
    for (const r of rows) {
      const stages = [
        ...r.sources,
        ...r.mixes.map((m) => `mix:${m}`),
        ...r.trains.map((t) => `train:${t}`),
      ].join(', ');
      console.log(`${r.name.padEnd(24)} ${stages.padEnd(32)} ${r.description}`);
    }
  });

program
  .command('synth <pipeline>')
  .description('print the compiled Step Functions definition (ASL JSON)')
  .action((name: string) => {
    process.stdout.write(renderDefinitionJson(compile(findPipeline(name).pipeline.graph)));
  });

program
  .command('graph <pipeline>')
  .description('print a Mermaid diagram of the pipeline')
  .action((name: string) => {
    process.stdout.write(renderMermaid(findPipeline(name).pipeline.graph));
  });

program
  .command('params <pipeline>')
  .description(
    'list run parameters: declared ones and every operator argument (<source>.<operator>.<argument>)',
  )
  .option('--json', 'print JSON')
  .action((name: string, o: { json?: boolean }) => {
    const { pipeline } = findPipeline(name);
    const rows = paramRows(pipeline);
    process.stdout.write(
      o.json ? `${JSON.stringify(rows, null, 2)}\n` : renderParamRows(pipeline.name, rows),
    );
  });

program
  .command('run <pipeline>')
  .description('run the compiled state machine on this machine (--local)')
  .option('--local', 'run locally (the only mode of `run`; `start` runs on AWS)')
  .option(
    '--input <dir-or-uri>',
    'input shards: <uri> for a one-source pipeline, or <source>=<uri> (repeatable)',
    collect,
    [],
  )
  .option('--workdir <dir>', 'data root for runs (a folder, or s3://bucket/prefix)', 'work')
  .option('--param <k=v>', 'run parameter (repeatable)', collect, [])
  .option('--max-shards <n>', 'process at most n shards per source', (v) =>
    parsePositiveInt(v, '--max-shards'),
  )
  .option(
    '--run-id <id>',
    'run id; rerunning an id resumes it (refused when the definition, parameters or inputs differ)',
  )
  .option(
    '--new-run',
    'when --run-id was made with other settings, write run <id>-2 (-3 …) instead',
  )
  .option('--concurrency <n>', 'worker threads for shard tasks (default: CPU cores)', (v) =>
    parsePositiveInt(v, '--concurrency'),
  )
  .option('--json', 'print only the run summary as JSON')
  .option(
    '--progress-interval <seconds>',
    'seconds between progress lines when stderr is not a terminal (default 10)',
    (v) => parsePositiveInt(v, '--progress-interval'),
  )
  .option(
    '--as-deployed',
    "enforce the deployed stack's IAM policies and limits; the workdir folder stands in for its bucket (README, What the local run checks)",
  )
  .option(
    '--allow-private-network',
    "let downloads (format 'urls') reach loopback, private and link-local addresses (tests, private mirrors)",
  )
  .option(
    '--fail-rate <0..1>',
    'inject faults: this share of Lambda invocations fails (local runs; see docs/fault-model.md)',
    (v) => checkFaultRate(Number(v)),
  )
  .option(
    '--fault <kind>',
    `kind of injected fault: ${FAULT_KINDS.join(', ')} (repeatable or comma list; default throttle,service)`,
    collect,
    [],
  )
  .option('--fault-seed <n>', 'seed choosing which invocations fail (default 0)', (v) =>
    parseInteger(v, '--fault-seed'),
  )
  .action(runCommand);

program
  .command('runs')
  .description('list the local runs under --workdir, newest first: status, shards done, counts')
  .option('--workdir <dir>', 'data root of local runs', 'work')
  .option('--json', 'print JSON')
  .action((o: { workdir: string; json?: boolean }) => {
    const rows = runRows(o.workdir);
    process.stdout.write(o.json ? `${JSON.stringify(rows, null, 2)}\n` : renderRunRows(rows));
  });

registerAwsCommands(program);
registerReportCommands(program);
registerPackCommand(program);
registerInitCommand(program);

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${flag}: expected an integer, got "${value}"`);
  return n;
}

function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${flag}: expected a positive integer, got "${value}"`);
  return n;
}

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`vlmflow: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
