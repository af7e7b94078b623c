/**
 * What a deployed stack lets each of its principals do, taken from the synthesized template:
 * the identity policies of every Lambda function's role, of the state machine's role and of
 * the training job's role, and the bucket policy, with every intrinsic resolved to the names a
 * deployment in an example account would have. Plain JSON, so it crosses to worker processes.
 */
import type { CfnTemplate, Deployment } from './intrinsics';
import { TemplateResolver } from './intrinsics';

/** Who makes a request: a Lambda function (by handler name), the state machine, the job. */
export type PrincipalName = string;
export const STATE_MACHINE = 'stateMachine';
export const TRAINING_JOB = 'trainingJob';

export interface NamedPolicy {
  readonly name: string;
  readonly policy: { readonly Version?: string; readonly Statement: readonly PolicyStatement[] };
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, unknown>>;
  readonly Principal?: unknown;
}

export interface DeployedPrincipal {
  /** `arn:aws:iam::<account>:role/<name>` */
  readonly roleArn: string;
  /** The session a request is signed with: `arn:aws:sts::<account>:assumed-role/<name>/<session>`. */
  readonly sessionArn: string;
  readonly policies: readonly NamedPolicy[];
}

/**
 * How S3 decides between 404 and 403 for a missing key when the caller's ListBucket grant has
 * an `s3:prefix` condition. AWS's documentation does not settle whether the condition is
 * evaluated against the key (docs/deploy.md, "Missing objects"); the handlers must be correct
 * either way, so a run can be made under both.
 */
export type MissingKeyRule = 'prefix-is-key' | 'no-prefix';

export interface DeployedAccess {
  readonly deployment: Deployment;
  readonly bucketName: string;
  readonly bucketArn: string;
  /** The local folder (file:// URI, ending in `/`) that stands in for the bucket. */
  readonly bucketFolder: string;
  readonly bucketPolicy?: NamedPolicy['policy'];
  readonly principals: Readonly<Record<PrincipalName, DeployedPrincipal>>;
  /** Function ARNs by handler name (what the state machine's role may invoke). */
  readonly functionArns: Readonly<Record<string, string>>;
  readonly stateMachineArn: string;
  readonly jobQueueArn?: string;
  readonly jobDefinitionArn?: string;
  readonly missingKeys: MissingKeyRule;
}

export interface StackRoles {
  /** Logical ids of the Lambda functions, by handler name. */
  readonly functions: Readonly<Record<string, string>>;
}

type Props = Record<string, unknown>;

/** The role a resource property `Fn::GetAtt: [<role>, 'Arn']` names. */
function roleIdOf(value: unknown): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

function onlyResource(template: CfnTemplate, type: string): [string, Props] | undefined {
  const found = Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  if (found.length > 1) throw new Error(`template has ${found.length} ${type}, expected one`);
  const [first] = found;
  return first ? [first[0], first[1].Properties ?? {}] : undefined;
}

export function accessFromTemplate(
  template: CfnTemplate,
  deployment: Deployment,
  roles: StackRoles,
  bucketFolder: string,
  missingKeys: MissingKeyRule = 'no-prefix',
): DeployedAccess {
  const resolver = new TemplateResolver(template, deployment);
  const principal = (roleId: string, session: string): DeployedPrincipal => {
    const roleName = resolver.physicalName(roleId);
    const role = resolver.resource(roleId).Properties ?? {};
    const attached = Object.entries(template.Resources).filter(
      ([, r]) =>
        r.Type === 'AWS::IAM::Policy' &&
        ((r.Properties?.Roles as unknown[] | undefined) ?? []).some(
          (ref) => (ref as { Ref?: unknown }).Ref === roleId,
        ),
    );
    const inline = (role.Policies as { PolicyName: string; PolicyDocument: unknown }[]) ?? [];
    return {
      roleArn: resolver.getAtt(roleId, 'Arn'),
      sessionArn: `arn:${deployment.partition}:sts::${deployment.account}:assumed-role/${roleName}/${session}`,
      policies: [
        ...attached.map(([id, r]) => ({
          name: id,
          policy: resolver.resolve(r.Properties?.PolicyDocument) as NamedPolicy['policy'],
        })),
        ...inline.map((p) => ({
          name: `${roleId}/${p.PolicyName}`,
          policy: resolver.resolve(p.PolicyDocument) as NamedPolicy['policy'],
        })),
      ],
    };
  };

  const [bucketId] = onlyResource(template, 'AWS::S3::Bucket') ?? [];
  if (!bucketId) throw new Error('template has no S3 bucket');
  const bucketPolicy = Object.values(template.Resources).find(
    (r) =>
      r.Type === 'AWS::S3::BucketPolicy' &&
      (r.Properties?.Bucket as { Ref?: unknown } | undefined)?.Ref === bucketId,
  );

  const principals: Record<PrincipalName, DeployedPrincipal> = {};
  const functionArns: Record<string, string> = {};
  for (const [name, functionId] of Object.entries(roles.functions)) {
    const props = resolver.resource(functionId).Properties ?? {};
    const roleId = roleIdOf(props.Role);
    if (!roleId) throw new Error(`function ${functionId} has no role in the template`);
    const functionName = resolver.physicalName(functionId);
    principals[name] = principal(roleId, functionName);
    functionArns[name] = resolver.getAtt(functionId, 'Arn');
  }
  const [machineId, machine] = onlyResource(template, 'AWS::StepFunctions::StateMachine') ?? [];
  const machineRole = roleIdOf(machine?.RoleArn);
  if (!machineId || !machineRole) throw new Error('template has no state machine with a role');
  principals[STATE_MACHINE] = principal(machineRole, 'StepFunctions');
  const [jobDefinitionId, jobDefinition] =
    onlyResource(template, 'AWS::Batch::JobDefinition') ?? [];
  // A single-node job names its role in ContainerProperties, a multi-node one per node range.
  const ranges =
    ((jobDefinition?.NodeProperties as Props | undefined)?.NodeRangeProperties as
      { Container?: Props }[] | undefined) ?? [];
  const jobRole = [
    (jobDefinition?.ContainerProperties as Props | undefined)?.JobRoleArn,
    ...ranges.map((range) => range.Container?.JobRoleArn),
  ]
    .map(roleIdOf)
    .find((id) => id !== undefined);
  if (jobRole) principals[TRAINING_JOB] = principal(jobRole, 'training-job');
  const [jobQueueId] = onlyResource(template, 'AWS::Batch::JobQueue') ?? [];

  const bucketName = resolver.physicalName(bucketId);
  return {
    deployment,
    bucketName,
    bucketArn: resolver.getAtt(bucketId, 'Arn'),
    bucketFolder: bucketFolder.endsWith('/') ? bucketFolder : `${bucketFolder}/`,
    ...(bucketPolicy && {
      bucketPolicy: resolver.resolve(
        bucketPolicy.Properties?.PolicyDocument,
      ) as NamedPolicy['policy'],
    }),
    principals,
    functionArns,
    stateMachineArn: resolver.getAtt(machineId, 'Arn'),
    ...(jobQueueId && { jobQueueArn: resolver.getAtt(jobQueueId, 'JobQueueArn') }),
    ...(jobDefinitionId && { jobDefinitionArn: resolver.ref(jobDefinitionId) }),
    missingKeys,
  };
}
