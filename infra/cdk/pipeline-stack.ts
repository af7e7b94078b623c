/**
 * One pipeline, deployed: its data bucket, the stage functions its compiled definition calls,
 * GPU training when it has train stages, and the state machine.
 */
import * as path from 'node:path';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { compile, PLACEHOLDERS, type Placeholder } from '../compiler';
import type { Pipeline } from '../dsl';
import { settingsFromContext, type DeploymentSettings } from './context';
import { DataBucket } from './data-bucket';
import { addNagSuppressions } from './nag-suppressions';
import { PipelineStateMachine } from './pipeline-state-machine';
import { StageFunctions, isStageFunctionName, type StageFunctionName } from './stage-functions';
import { Training } from './training';

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

const FUNCTION_BY_PLACEHOLDER: ReadonlyMap<string, StageFunctionName> = new Map(
  Object.entries(PLACEHOLDERS).flatMap(([key, placeholder]) =>
    isStageFunctionName(key) ? [[placeholder, key]] : [],
  ),
);

export class PipelineStack extends Stack {
  readonly dataBucket: DataBucket;
  readonly stageFunctions: StageFunctions;
  readonly training?: Training;
  readonly stateMachine: PipelineStateMachine;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { pipeline } = props;
    const projectRoot = props.projectRoot ?? path.resolve(__dirname, '..', '..');
    const settings = { ...settingsFromContext(this.node), ...props.settings };
    const compiled = compile(pipeline.graph);

    this.dataBucket = new DataBucket(this, 'Data', { removalPolicy: settings.removalPolicy });
    const bucket = this.dataBucket.bucket;
    const functionNames = compiled.substitutions.flatMap(
      (name) => FUNCTION_BY_PLACEHOLDER.get(name) ?? [],
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
      removalPolicy: settings.removalPolicy,
    });

    if (pipeline.graph.trains.length > 0) {
      this.training = new Training(this, 'Training', {
        trains: pipeline.graph.trains,
        imageDirectory: path.join(projectRoot, 'gpu-jobs', 'resampler'),
        bucket,
        instanceTypes: settings.gpuInstanceTypes,
        spot: settings.gpuSpot,
        maxvCpus: settings.gpuMaxVcpus,
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
      removalPolicy: settings.removalPolicy,
    });

    const arn = this.stateMachine.stateMachine.stateMachineArn;
    new CfnOutput(this, 'StateMachineArn', { value: arn });
    new CfnOutput(this, 'ConsoleLink', {
      value: `https://console.aws.amazon.com/states/home?region=${this.region}#/statemachines/view/${arn}`,
    });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'ExampleInput', {
      value: '{}',
      description: 'Starts a run with every parameter at its default',
    });
    addNagSuppressions({
      data: this.dataBucket,
      functions: this.stageFunctions,
      workflow: this.stateMachine,
      inputLocations,
      ...(this.training && { training: this.training }),
    });
  }

  /** What fills `${name}` in the definition: a function ARN, a Batch ARN or the data root. */
  private placeholderValue(name: Placeholder): string | undefined {
    const fn = FUNCTION_BY_PLACEHOLDER.get(name);
    if (fn) return this.stageFunctions.functions.get(fn)?.functionArn;
    switch (name) {
      case PLACEHOLDERS.trainQueue:
        return this.training?.jobQueue.jobQueueArn;
      case PLACEHOLDERS.trainDefinition:
        return this.training?.jobDefinition.jobDefinitionArn;
      case PLACEHOLDERS.dataRoot:
        return this.dataBucket.dataRoot;
      default:
        return undefined;
    }
  }
}

/** Sources whose default shards are `s3://` URIs: in another bucket (bare keys are read from the data bucket). */
function externalInputLocations(pipeline: Pipeline): string[] {
  return pipeline.graph.sources.flatMap((source) =>
    source.uri.startsWith('s3://') ? [source.uri] : [],
  );
}
