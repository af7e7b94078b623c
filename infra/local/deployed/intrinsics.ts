/**
 * Resolves the CloudFormation intrinsics of a synthesized template (`Ref`, `Fn::GetAtt`,
 * `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`, pseudo parameters) to the values a
 * deployment would give them: physical names as CloudFormation generates them
 * (`<stack>-<logicalId>-<suffix>`) and ARNs in the stack's account and region. Hand-written:
 * the CDK resolves tokens only inside an app, never a template's JSON, and the few functions
 * CDK emits are a small closed set.
 */
import { createHash } from 'node:crypto';

export interface Deployment {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, TemplateResource>>;
}

/** An example deployment: the account AWS uses in its documentation, us-east-1. */
export const EXAMPLE_DEPLOYMENT = {
  account: '123456789012',
  region: 'us-east-1',
  partition: 'aws',
} as const;

/** CloudFormation's generated name: stack and logical id, a random suffix (here a stable one). */
function generatedName(deployment: Deployment, logicalId: string, maxLength: number): string {
  const suffix = createHash('sha256')
    .update(`${deployment.stackName}/${logicalId}`)
    .digest('hex')
    .slice(0, 12)
    .toUpperCase();
  const head = `${deployment.stackName}-${logicalId}`.slice(0, maxLength - suffix.length - 1);
  return `${head}-${suffix}`;
}

/** A stack id's UUID, stable for a stack name. */
function stackUuid(stackName: string): string {
  const hex = createHash('sha256').update(stackName).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export class TemplateResolver {
  constructor(
    readonly template: CfnTemplate,
    readonly deployment: Deployment,
  ) {}

  /** The physical name (or id) CloudFormation would give a resource. */
  physicalName(logicalId: string): string {
    const resource = this.resource(logicalId);
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::S3::Bucket':
        return typeof props.BucketName === 'string'
          ? props.BucketName
          : generatedName(this.deployment, logicalId, 63).toLowerCase();
      case 'AWS::StepFunctions::StateMachine':
        return typeof props.StateMachineName === 'string'
          ? props.StateMachineName
          : generatedName(this.deployment, logicalId, 80);
      case 'AWS::Logs::LogGroup':
        return typeof props.LogGroupName === 'string'
          ? (this.resolve(props.LogGroupName) as string)
          : generatedName(this.deployment, logicalId, 512);
      case 'AWS::IAM::Role':
        return generatedName(this.deployment, logicalId, 64);
      default:
        return generatedName(this.deployment, logicalId, 64);
    }
  }

  /** `Ref`: a name for most resources, an ARN for those whose Ref is their ARN. */
  ref(logicalId: string): string {
    const pseudo = this.pseudo(logicalId);
    if (pseudo !== undefined) return pseudo;
    const type = this.resource(logicalId).Type;
    if (
      type === 'AWS::StepFunctions::StateMachine' ||
      type === 'AWS::Batch::JobDefinition' ||
      type === 'AWS::Batch::JobQueue'
    )
      return this.getAtt(logicalId, 'Arn');
    return this.physicalName(logicalId);
  }

  getAtt(logicalId: string, attribute: string): string {
    const { account, region, partition } = this.deployment;
    const name = this.physicalName(logicalId);
    const type = this.resource(logicalId).Type;
    if (attribute !== 'Arn' && !attribute.endsWith('Arn')) return name;
    switch (type) {
      case 'AWS::S3::Bucket':
        return `arn:${partition}:s3:::${name}`;
      case 'AWS::IAM::Role':
        return `arn:${partition}:iam::${account}:role/${name}`;
      case 'AWS::Lambda::Function':
        return `arn:${partition}:lambda:${region}:${account}:function:${name}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${partition}:states:${region}:${account}:stateMachine:${name}`;
      case 'AWS::Batch::JobQueue':
        return `arn:${partition}:batch:${region}:${account}:job-queue/${name}`;
      case 'AWS::Batch::JobDefinition':
        return `arn:${partition}:batch:${region}:${account}:job-definition/${name}:1`;
      case 'AWS::Logs::LogGroup':
        return `arn:${partition}:logs:${region}:${account}:log-group:${name}:*`;
      case 'AWS::KMS::Key':
        return `arn:${partition}:kms:${region}:${account}:key/${name}`;
      default: {
        const service = type.split('::')[1]?.toLowerCase() ?? 'unknown';
        return `arn:${partition}:${service}:${region}:${account}:${name}`;
      }
    }
  }

  /** A template value with every intrinsic replaced by its deployed value. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const [only] = entries;
    if (entries.length === 1 && only) {
      const [fn, arg] = only;
      switch (fn) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
          return this.getAtt(String(id), String(attribute));
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).join(separator);
        }
        case 'Fn::Sub':
          return this.sub(arg);
        case 'Fn::Select': {
          const [index, list] = arg as [number, unknown];
          return (this.resolve(list) as unknown[])[Number(index)];
        }
        case 'Fn::Split': {
          const [separator, text] = arg as [string, unknown];
          return String(this.resolve(text)).split(separator);
        }
        default:
          if (fn.startsWith('Fn::')) throw new Error(`unsupported intrinsic ${fn}`);
      }
    }
    return Object.fromEntries(entries.map(([key, inner]) => [key, this.resolve(inner)]));
  }

  private sub(arg: unknown): string {
    const [text, variables] = Array.isArray(arg)
      ? (arg as [string, Record<string, unknown>])
      : [String(arg), {}];
    return text.replace(/\$\{([^}!]+)\}/g, (_whole, name: string) => {
      if (Object.hasOwn(variables, name)) return String(this.resolve(variables[name]));
      const [id, attribute] = name.split('.');
      return attribute ? this.getAtt(id ?? '', attribute) : this.ref(name);
    });
  }

  private pseudo(name: string): string | undefined {
    const { account, region, partition, stackName } = this.deployment;
    const values: Record<string, string> = {
      'AWS::AccountId': account,
      'AWS::Region': region,
      'AWS::Partition': partition,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stackName,
      'AWS::StackId': `arn:${partition}:cloudformation:${region}:${account}:stack/${stackName}/${stackUuid(stackName)}`,
    };
    return values[name];
  }

  resource(logicalId: string): TemplateResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`template has no resource ${logicalId}`);
    return resource;
  }
}
