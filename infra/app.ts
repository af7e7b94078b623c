/**
 * The CDK app (see cdk.json): one stack `vlmflow-<pipeline>` per pipeline in the pipelines
 * folder of the project cdk runs in (`pipelines/` beside cdk.json, or `-c vlmflow:pipelinesDir`):
 * this repository's own, or a project made by `vlmflow init`, whose cdk.json runs this app
 * through `vlmflow cdk-app`. vlmflow's own files (handlers, models, the training image) come
 * from this package wherever it is installed. Each stack is checked by cdk-nag's AwsSolutions
 * pack, so synth fails on any unacknowledged finding. Beside
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

const packageRoot = path.resolve(__dirname, '..');
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

// The CDK CLI runs the app in the folder that holds cdk.json: the project's.
const stacks = selectPipelines(
  discoverPipelines(path.resolve(process.cwd(), pipelinesDir)),
  only,
).map(
  ({ pipeline, file }) =>
    new PipelineStack(app, stackNameOf(pipeline.name), {
      pipeline,
      pipelineFile: file,
      projectRoot: packageRoot,
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
