/**
 * The CDK app (see cdk.json): one stack `vlmflow-<pipeline>` per pipeline in pipelines/,
 * checked by cdk-nag's AwsSolutions pack, so synth fails on any unacknowledged finding.
 * No account or region: the stacks are environment-agnostic and deploy wherever the CLI's
 * credentials point.
 */
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

for (const { pipeline, file } of selectPipelines(
  discoverPipelines(path.join(projectRoot, 'pipelines')),
  only,
)) {
  new PipelineStack(app, stackNameOf(pipeline.name), {
    pipeline,
    pipelineFile: file,
    projectRoot,
    description: `vlmflow pipeline ${pipeline.name}${pipeline.graph.description ? `: ${pipeline.graph.description}` : ''}`,
  });
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
