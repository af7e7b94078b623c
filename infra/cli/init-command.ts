/**
 * `vlmflow init <dir>` (scaffold a project, project-scaffold.ts) and `vlmflow cdk-app` (the
 * CDK app a project's cdk.json runs: infra/app.ts on the project's pipelines/).
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import {
  initProject,
  SAMPLE_DATA_DIR,
  type InitOptions,
  type InitResult,
} from './project-scaffold';

export function registerInitCommand(program: Command): void {
  program
    .command('init <dir>')
    .description(
      'make a project of your own in <dir>: package.json depending on vlmflow, a pipeline with a custom operator, sample data, a test, tsconfig.json and cdk.json',
    )
    .option('--name <name>', 'npm package name (default: the folder name)')
    .option('--pipeline <name>', 'pipeline name (default: from the package name)')
    .option(
      '--from <checkout-or-tgz>',
      'depend on vlmflow from this checkout or npm pack tarball (a file: dependency); default: the checkout this command runs from, or ^<version> from the npm registry when vlmflow was installed from there',
    )
    .option(
      '--force',
      'write into a folder that is not empty (files of the same name are replaced)',
    )
    .action(async (dir: string, options: InitOptions) => {
      process.stdout.write(renderNextSteps(await initProject(dir, options)));
    });

  program
    .command('cdk-app')
    .description(
      "the CDK app of the project in this folder, one stack per pipeline in pipelines/ (a project's cdk.json runs it for cdk synth and cdk deploy)",
    )
    .action(async () => {
      await import('../app');
    });
}

export function renderNextSteps(result: InitResult): string {
  const relative = path.relative(process.cwd(), result.dir);
  const sample = SAMPLE_DATA_DIR.split(path.sep).join('/');
  const steps: [string, string][] = [
    ...(relative === '' ? [] : [[`cd ${relative}`, ''] as [string, string]]),
    ['npm install', `vlmflow (${result.dependency}), Node 24, TypeScript, tsx, the CDK CLI`],
    [
      `npx vlmflow run ${result.pipeline} --local --input ${sample}`,
      'run it on this machine (npm run sample)',
    ],
    ['npm test', 'the custom operator, and the pipeline on the sample data'],
    ['npx tsc --noEmit', 'type-check'],
    ['npx cdk synth', `the stack vlmflow-${result.pipeline} (no AWS account needed)`],
    ['npx cdk deploy', 'to your AWS account (credentials, and `npx cdk bootstrap` once)'],
  ];
  const width = Math.max(...steps.map(([command]) => command.length));
  return [
    `Created ${result.name} in ${result.dir}: pipeline ${result.pipeline} (pipelines/${result.pipeline}.ts), its operator (operators/), sample data (${sample}/), a test (test/).`,
    `vlmflow dependency: ${result.dependency}`,
    '',
    'Next:',
    ...steps.map(([command, why]) =>
      why ? `  ${command.padEnd(width)}   # ${why}` : `  ${command}`,
    ),
    '',
  ].join('\n');
}
