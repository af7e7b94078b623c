/**
 * One pipeline, deployed: its data bucket, the stage functions its compiled definition calls,
 * GPU training when it has train stages, and the state machine.
 */
import * as path from 'node:path';
import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { isBareKey } from '../../core/uri';
import { functionOfPlaceholder } from '../../core/functions';
import { compile, PLACEHOLDERS, type Placeholder } from '../compiler';
import { exampleInput, renderInputSchema, type JsonSchema } from '../compiler/input-schema';
import type { Pipeline } from '../dsl';
import { settingsFromContext, type DeploymentSettings } from './context';
import { INPUTS_PREFIX } from './bucket-access';
import { DataBucket } from './data-bucket';
import { addNagSuppressions } from './nag-suppressions';
import { PipelineStateMachine } from './pipeline-state-machine';
import { StageFunctions, sizingWithOverrides } from './stage-functions';
import { Training } from './training';
import { modelAssetsOf } from './model-assets';
import { ModelDeployments } from './model-deployments';

export interface PipelineStackProps extends StackProps {
  readonly pipeline: Pipeline;
  /** Absolute path of the module whose default export is `pipeline` (bundled with its operators). */
  readonly pipelineFile: string;
  /** Repository root. @default - two levels above this file */
  readonly projectRoot?: string;
  /** Overrides what the `vlmflow:*` context says. @default - settingsFromContext(this.node) */
  readonly settings?: DeploymentSettings;
}

/** `vlmflow-<pipeline>`: the stack and the state machine share it. */
export function stackNameOf(pipelineName: string): string {
  return `vlmflow-${pipelineName}`;
}

export class PipelineStack extends Stack {
  readonly dataBucket: DataBucket;
  readonly stageFunctions: StageFunctions;
  readonly training?: Training;
  /** The default model folders, deployed into the bucket under `models/`. */
  readonly models?: ModelDeployments;
  readonly stateMachine: PipelineStateMachine;
  /** JSON Schema of the execution input; infra/app.ts writes it beside the template. */
  readonly inputSchema: JsonSchema;
  /** False when `vlmflow:training=off` left a training pipeline without Batch resources. */
  readonly trainingDeployed: boolean;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { pipeline } = props;
    const projectRoot = props.projectRoot ?? path.resolve(__dirname, '..', '..');
    const settings = { ...settingsFromContext(this.node), ...props.settings };
    const compiled = compile(pipeline.graph);

    this.inputSchema = renderInputSchema(pipeline.graph, pipeline.operators);
    this.dataBucket = new DataBucket(this, 'Data', {
      removalPolicy: settings.removalPolicy,
      kms: settings.kms ?? false,
    });
    const bucket = this.dataBucket.bucket;
    const modelAssets = modelAssetsOf(pipeline.graph, projectRoot);
    if (modelAssets.length > 0)
      this.models = new ModelDeployments(this, 'Models', { bucket, assets: modelAssets });
    const functionNames = compiled.substitutions.flatMap(
      (name) => functionOfPlaceholder(name) ?? [],
    );
    const inputLocations = [
      ...externalInputLocations(pipeline),
      ...(settings.inputLocations ?? []),
    ];
    this.stageFunctions = new StageFunctions(this, 'Functions', {
      projectRoot,
      pipelineName: pipeline.name,
      pipelineFile: props.pipelineFile,
      functions: functionNames,
      bucket,
      inputLocations,
      inputPrefixes: inputPrefixesOf(pipeline),
      modelLocations: settings.modelLocations ?? [],
      sizing: sizingWithOverrides(settings.functions ?? {}),
      ...(settings.architecture ? { architecture: settings.architecture } : {}),
      logRetention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });

    this.trainingDeployed = pipeline.graph.trains.length > 0 && settings.training !== false;
    if (this.trainingDeployed) {
      this.training = new Training(this, 'Training', {
        trains: pipeline.graph.trains,
        imageDirectory: path.join(projectRoot, 'gpu-jobs', 'resampler'),
        bucket,
        instanceTypes: settings.gpuInstanceTypes,
        spot: settings.gpuSpot,
        maxvCpus: settings.gpuMaxVcpus,
        ...(settings.vpcId && {
          // Needs the stack's account and region at synth (see infra/app.ts).
          vpc: ec2.Vpc.fromLookup(this, 'ExistingVpc', { vpcId: settings.vpcId }),
        }),
        logRetention: settings.logRetention,
        removalPolicy: settings.removalPolicy,
      });
    }

    const substitutions: Record<string, string> = {};
    for (const name of compiled.substitutions) {
      const value = this.placeholderValue(name);
      if (value === undefined) {
        throw new Error(`pipeline "${pipeline.name}": nothing in the stack provides \${${name}}`);
      }
      substitutions[name] = value;
    }

    const stateMachineName = stackNameOf(pipeline.name);
    this.stateMachine = new PipelineStateMachine(this, 'Workflow', {
      stateMachineName,
      definitionJson: JSON.stringify(compiled.definition),
      substitutions,
      functions: [...this.stageFunctions.functions.values()],
      bucket,
      ...(this.training && {
        training: {
          jobQueueArn: this.training.jobQueue.jobQueueArn,
          jobDefinitionArn: this.training.jobDefinition.jobDefinitionArn,
        },
      }),
      logRetention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });

    const arn = this.stateMachine.stateMachine.stateMachineArn;
    new CfnOutput(this, 'StateMachineArn', { value: arn });
    new CfnOutput(this, 'ConsoleLink', {
      value: `https://console.aws.amazon.com/states/home?region=${this.region}#/statemachines/view/${arn}`,
    });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    // vlmflow doctor reads the queue's instance types for the GPU quota check.
    if (this.training)
      new CfnOutput(this, 'JobQueueArn', { value: this.training.jobQueue.jobQueueArn });
    new CfnOutput(this, 'ExampleInput', {
      value: '{}',
      description: 'Starts a run with every parameter at its default',
    });
    new CfnOutput(this, 'ExampleInputWithEveryField', {
      value: JSON.stringify(exampleInput(pipeline.graph)),
      description: `Every field at its default; the schema: cdk.out/${this.stackName}.input-schema.json or vlmflow schema ${pipeline.name}`,
    });
    addNagSuppressions({
      data: this.dataBucket,
      functions: this.stageFunctions,
      workflow: this.stateMachine,
      inputLocations,
      inputPrefixes: inputPrefixesOf(pipeline),
      modelLocations: settings.modelLocations ?? [],
      ...(this.training && { training: this.training }),
      ...(this.models && { models: this.models }),
    });
  }

  /** What fills `${name}` in the definition: a function ARN, a Batch ARN or the data root. */
  private placeholderValue(name: Placeholder): string | undefined {
    const fn = functionOfPlaceholder(name);
    if (fn) return this.stageFunctions.functions.get(fn)?.functionArn;
    switch (name) {
      case PLACEHOLDERS.trainQueue:
        return this.training?.jobQueue.jobQueueArn ?? this.absentBatchArn('job-queue');
      case PLACEHOLDERS.trainDefinition:
        return (
          this.training?.jobDefinition.jobDefinitionArn ?? this.absentBatchArn('job-definition')
        );
      case PLACEHOLDERS.dataRoot:
        return this.dataBucket.dataRoot;
      default:
        return undefined;
    }
  }

  /**
   * With `vlmflow:training=off`: an ARN nothing answers to, so the definition stays valid and
   * a run that does not switch training off fails at the train state, saying what is missing.
   */
  private absentBatchArn(resource: 'job-queue' | 'job-definition'): string | undefined {
    if (this.trainingDeployed) return undefined;
    return `arn:${Aws.PARTITION}:batch:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}/${this.stackName}-training-not-deployed`;
  }
}

/**
 * Prefixes of the data bucket input readers may read: `inputs/` (where a run's bare-key
 * inputs belong) and the first path segment of every source whose default is a bare key.
 */
export function inputPrefixesOf(pipeline: Pipeline): string[] {
  const bare = pipeline.graph.sources
    .map((source) => source.uri)
    .filter(isBareKey)
    .map((uri) => uri.split('/')[0] ?? '')
    .filter((segment) => segment.length > 0 && segment !== 'runs');
  return [...new Set([INPUTS_PREFIX, ...bare])].sort();
}

/** Sources whose default shards are `s3://` URIs: in another bucket (bare keys are read from the data bucket). */
function externalInputLocations(pipeline: Pipeline): string[] {
  return pipeline.graph.sources.flatMap((source) =>
    source.uri.startsWith('s3://') ? [source.uri] : [],
  );
}
