/**
 * The Standard state machine running a compiled definition, and the IAM its role needs:
 * invoke the stage functions, read manifests and write results under `runs/` (Distributed
 * Map ItemReader/ResultWriter), start its own child executions, and run Batch jobs .sync.
 * CDK adds the CloudWatch Logs delivery and X-Ray actions that logging and tracing need.
 */
import { namesIn } from '../../core/placeholders';
import { ArnFormat, Aws, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { grantMapAccess } from './bucket-access';

/** The Batch resources a definition with train stages submits jobs to. */
export interface TrainingTargets {
  readonly jobQueueArn: string;
  readonly jobDefinitionArn: string;
}

export interface PipelineStateMachineProps {
  /**
   * Fixed name: the role's policy names the machine's own ARN (for Distributed Map child
   * executions) without referring to the machine, which would be a dependency cycle.
   */
  readonly stateMachineName: string;
  /** The compiled ASL, with `${Name}` placeholders. */
  readonly definitionJson: string;
  /** A value for every placeholder in the definition. */
  readonly substitutions: Readonly<Record<string, string>>;
  readonly functions: readonly lambda.IFunction[];
  readonly bucket: s3.IBucket;
  /** @default - the definition runs no Batch job */
  readonly training?: TrainingTargets;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** Step Functions' managed rule for `batch:submitJob.sync`. */
const BATCH_SYNC_RULE = 'StepFunctionsGetEventsForBatchJobsRule';

export class PipelineStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly stateMachineName: string;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PipelineStateMachineProps) {
    super(scope, id);
    this.stateMachineName = props.stateMachineName;
    const missing = namesIn(props.definitionJson).filter(
      (name) => !Object.hasOwn(props.substitutions, name),
    );
    if (missing.length > 0)
      throw new Error(`no value for placeholder(s) ${missing.map((m) => `\${${m}}`).join(', ')}`);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // Under /aws/vendedlogs/: Step Functions then needs no CloudWatch Logs resource policy
      // entry per log group (that policy is capped at 5,120 characters per account and region).
      // The stack's id keeps the name unique when a retained group outlives a deleted stack.
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}-${Fn.select(2, Fn.split('/', Aws.STACK_ID))}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(props.definitionJson),
      definitionSubstitutions: { ...props.substitutions },
      tracingEnabled: true,
      // ERROR only: a Distributed Map over thousands of shards makes many events per shard, and
      // a Standard machine keeps the full execution history (console, 90 days) anyway.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ERROR, includeExecutionData: false },
    });

    // Unqualified ARNs only: the definition never invokes a version or an alias.
    this.addToRole(
      ['lambda:InvokeFunction'],
      props.functions.map((fn) => fn.functionArn),
    );
    // ItemReader reads the manifests, ResultWriter writes the map results, both under runs/.
    grantMapAccess(this.stateMachine, props.bucket);
    this.grantOwnChildExecutions(props.stateMachineName);
    if (props.training) this.grantBatchSync(props.training);
  }

  /** Distributed Map runs each shard as a child execution of this machine. */
  private grantOwnChildExecutions(name: string): void {
    const stack = Stack.of(this);
    const arn = (resource: string, resourceName: string) =>
      stack.formatArn({
        service: 'states',
        resource,
        resourceName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    this.addToRole(['states:StartExecution'], [arn('stateMachine', name)]);
    // Child executions are named `<machine>/<map run label>:<id>`.
    this.addToRole(
      ['states:DescribeExecution', 'states:StopExecution'],
      [arn('execution', `${name}:*`), arn('execution', `${name}/*`)],
    );
    this.addToRole(['states:RedriveExecution'], [arn('execution', `${name}/*`)]);
  }

  private grantBatchSync(training: TrainingTargets): void {
    const stack = Stack.of(this);
    this.addToRole(['batch:SubmitJob'], [training.jobQueueArn, training.jobDefinitionArn]);
    // DescribeJobs has no resource-level permissions; job ids are only known at run time.
    this.addToRole(['batch:DescribeJobs'], ['*']);
    this.addToRole(
      ['batch:TerminateJob'],
      [stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' })],
    );
    this.addToRole(
      ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      [stack.formatArn({ service: 'events', resource: 'rule', resourceName: BATCH_SYNC_RULE })],
    );
  }

  private addToRole(actions: string[], resources: string[]): void {
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
  }
}
