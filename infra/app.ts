/**
 * The CDK app (see cdk.json): one stack `vlmflow-<pipeline>` per pipeline in pipelines/,
 * checked by cdk-nag's AwsSolutions pack, so synth fails on any unacknowledged finding. Beside
 * each template it writes `<stack>.input-schema.json`, the JSON Schema of the execution input.
 *
 * No account or region unless `vlmflow:vpcId` is set: the stacks are environment-agnostic and
 * deploy wherever the CLI's credentials point. Looking up an existing VPC needs both, taken
 * from the CLI (`--profile`, or CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONTEXT_KEYS } from './cdk/context';
import { discoverPipelines, selectPipelines } from './cdk/discover-pipelines';
import { PipelineStack, stackNameOf } from './cdk/pipeline-stack';

const projectRoot = path.resolve(__dirname, '..');
const app = new App();
const only: unknown = app.node.tryGetContext(CONTEXT_KEYS.pipeline);
if (only !== undefined && typeof only !== 'string')
  throw new Error(`-c ${CONTEXT_KEYS.pipeline}: expected a pipeline name`);
const pipelinesDir: unknown = app.node.tryGetContext(CONTEXT_KEYS.pipelinesDir) ?? 'pipelines';
if (typeof pipelinesDir !== 'string')
  throw new Error(`-c ${CONTEXT_KEYS.pipelinesDir}: expected a folder`);
const env =
  app.node.tryGetContext(CONTEXT_KEYS.vpcId) === undefined
    ? undefined
    : { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

const stacks = selectPipelines(
  discoverPipelines(path.resolve(projectRoot, pipelinesDir)),
  only,
).map(
  ({ pipeline, file }) =>
    new PipelineStack(app, stackNameOf(pipeline.name), {
      pipeline,
      pipelineFile: file,
      projectRoot,
      ...(env && { env }),
      description: `vlmflow pipeline ${pipeline.name}${pipeline.graph.description ? `: ${pipeline.graph.description}` : ''}`,
    }),
);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const assembly = app.synth();
for (const stack of stacks) {
  fs.writeFileSync(
    path.join(assembly.directory, `${stack.stackName}.input-schema.json`),
    `${JSON.stringify(stack.inputSchema, null, 2)}\n`,
  );
}
