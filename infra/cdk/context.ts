/**
 * Deployment choices read from CDK context (`-c key=value` or cdk.json "context"), so one
 * checkout can deploy differently without code changes. Values from `-c` arrive as strings;
 * values from cdk.json may be JSON; both are accepted.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { LAMBDA_PLATFORMS, type LambdaArchitectureName } from './native-modules';

export const CONTEXT_KEYS = {
  /** `retain` (default) or `destroy`: what deleting the stack does to the bucket and log groups. */
  removalPolicy: 'vlmflow:removalPolicy',
  /** GPU instance types or families, comma-separated: `g5` (default), `g5.xlarge,g6.xlarge`. */
  gpuInstanceTypes: 'vlmflow:gpuInstanceTypes',
  /** `true` for Spot training instances; default on-demand. */
  gpuSpot: 'vlmflow:gpuSpot',
  /** Upper bound of the GPU compute environment's vCPUs. */
  gpuMaxVcpus: 'vlmflow:gpuMaxVcpus',
  /** Extra input locations (`bucket` or `bucket/prefix`, comma-separated) runs may read. */
  inputLocations: 'vlmflow:inputLocations',
  /**
   * Read-only model locations (`bucket` or `bucket/prefix`, comma-separated) the caption
   * function may load model folders from, besides `models/` of the data bucket.
   */
  modelLocations: 'vlmflow:modelLocations',
  /**
   * An existing VPC for the GPU instances, by id (`vpc-…`). Looked up at synth
   * (`Vpc.fromLookup`), so synth needs an account and region: `--profile` or
   * CDK_DEFAULT_ACCOUNT/CDK_DEFAULT_REGION. Default: a new VPC with public subnets only.
   */
  vpcId: 'vlmflow:vpcId',
  /** `true`: the data bucket is encrypted with a KMS key of the stack (default S3-managed). */
  kms: 'vlmflow:kms',
  /** Days CloudWatch keeps the logs of functions, state machine and jobs (default 30). */
  logRetentionDays: 'vlmflow:logRetentionDays',
  /**
   * Function sizing over the built-in defaults, as JSON:
   * `{"curate": {"memoryMiB": 4096, "timeoutSeconds": 600, "ephemeralStorageMiB": 2048}}`.
   */
  functions: 'vlmflow:functions',
  /**
   * `x86_64` (default) or `arm64` (Graviton, about 20 % less per GB-second): the CPU of every
   * Lambda function; the bundles carry sharp's and onnxruntime-node's binaries for it, which
   * must be installed (`npm install --os=linux --cpu=arm64 sharp` on an x86 machine).
   */
  architecture: 'vlmflow:architecture',
  /**
   * `off`: create no Batch resources (LocalStack's community edition has none); train states
   * point at a queue that does not exist, so runs must switch training off (`params.train`).
   */
  training: 'vlmflow:training',
  /**
   * Days after which rejected samples (objects tagged `vlmflow:kind=rejects`) expire; 0 keeps
   * them. Default 90.
   */
  rejectsExpireDays: 'vlmflow:rejectsExpireDays',
  /**
   * Days after which run intermediates (`vlmflow:kind=tmp`: segment outputs, dedup records)
   * expire; 0 keeps them. A run resumed later than this redoes or loses that work. Default 7.
   */
  tmpExpireDays: 'vlmflow:tmpExpireDays',
  /** Days after which Distributed Map manifests (`vlmflow:kind=manifest`) expire; 0 keeps them. Default 30. */
  manifestsExpireDays: 'vlmflow:manifestsExpireDays',
  /**
   * Folder of the pipelines the app deploys, relative to the folder cdk runs in (the one
   * holding cdk.json: this repository or a project of its own). Default `pipelines`.
   */
  pipelinesDir: 'vlmflow:pipelinesDir',
  /** Limits the app to one pipeline. */
  pipeline: 'pipeline',
} as const;

/** Memory, timeout and /tmp overrides of one function. */
export interface FunctionSizingOverride {
  readonly memoryMiB?: number;
  readonly timeoutSeconds?: number;
  readonly ephemeralStorageMiB?: number;
}

/** Days until each tagged kind of run object expires; 0 = never (see data-bucket.ts). */
export interface ObjectExpirySettings {
  readonly rejectsExpireDays?: number;
  readonly tmpExpireDays?: number;
  readonly manifestsExpireDays?: number;
}

export interface DeploymentSettings extends ObjectExpirySettings {
  readonly removalPolicy?: RemovalPolicy;
  readonly gpuInstanceTypes?: readonly string[];
  readonly gpuSpot?: boolean;
  readonly gpuMaxVcpus?: number;
  readonly inputLocations?: readonly string[];
  readonly modelLocations?: readonly string[];
  readonly vpcId?: string;
  readonly kms?: boolean;
  readonly logRetention?: logs.RetentionDays;
  readonly functions?: Readonly<Record<string, FunctionSizingOverride>>;
  readonly architecture?: LambdaArchitectureName;
  /** false: no Batch resources (see CONTEXT_KEYS.training). */
  readonly training?: boolean;
}

export function settingsFromContext(node: Node): DeploymentSettings {
  const get = (key: string): unknown => node.tryGetContext(key);
  const removal = optionalString(get(CONTEXT_KEYS.removalPolicy), CONTEXT_KEYS.removalPolicy);
  if (removal !== undefined && removal !== 'retain' && removal !== 'destroy') {
    throw new Error(
      `${CONTEXT_KEYS.removalPolicy}: expected "retain" or "destroy", got "${removal}"`,
    );
  }
  const spot = get(CONTEXT_KEYS.gpuSpot);
  const maxVcpus = get(CONTEXT_KEYS.gpuMaxVcpus);
  const maxVcpusNumber = maxVcpus === undefined ? undefined : Number(maxVcpus);
  if (maxVcpusNumber !== undefined && !(Number.isInteger(maxVcpusNumber) && maxVcpusNumber > 0)) {
    throw new Error(
      `${CONTEXT_KEYS.gpuMaxVcpus}: expected a positive integer, got ${JSON.stringify(maxVcpus)}`,
    );
  }
  return {
    ...(removal && {
      removalPolicy: removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    }),
    ...(get(CONTEXT_KEYS.gpuInstanceTypes) !== undefined && {
      gpuInstanceTypes: list(get(CONTEXT_KEYS.gpuInstanceTypes), CONTEXT_KEYS.gpuInstanceTypes),
    }),
    ...(spot !== undefined && { gpuSpot: spot === true || spot === 'true' }),
    ...(maxVcpusNumber !== undefined && { gpuMaxVcpus: maxVcpusNumber }),
    ...(get(CONTEXT_KEYS.inputLocations) !== undefined && {
      inputLocations: list(get(CONTEXT_KEYS.inputLocations), CONTEXT_KEYS.inputLocations),
    }),
    ...(get(CONTEXT_KEYS.modelLocations) !== undefined && {
      modelLocations: s3Locations(get(CONTEXT_KEYS.modelLocations), CONTEXT_KEYS.modelLocations),
    }),
    ...vpcIdFrom(get(CONTEXT_KEYS.vpcId)),
    ...(get(CONTEXT_KEYS.kms) !== undefined && {
      kms: flag(get(CONTEXT_KEYS.kms), CONTEXT_KEYS.kms),
    }),
    ...logRetentionFrom(get(CONTEXT_KEYS.logRetentionDays)),
    ...(get(CONTEXT_KEYS.functions) !== undefined && {
      functions: functionSizingFrom(get(CONTEXT_KEYS.functions)),
    }),
    ...trainingFrom(get(CONTEXT_KEYS.training)),
    ...architectureFrom(get(CONTEXT_KEYS.architecture)),
    ...objectExpiryFromContext(node),
  };
}

/** The `vlmflow:*ExpireDays` settings alone (the data bucket reads them when not given). */
export function objectExpiryFromContext(node: Node): ObjectExpirySettings {
  const days = (key: keyof ObjectExpirySettings): ObjectExpirySettings => {
    const contextKey = CONTEXT_KEYS[key];
    const value: unknown = node.tryGetContext(contextKey);
    if (value === undefined) return {};
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
      throw new Error(
        `${contextKey}: expected a whole number of days (0 = never expire), got ${JSON.stringify(value)}`,
      );
    return { [key]: n };
  };
  return {
    ...days('rejectsExpireDays'),
    ...days('tmpExpireDays'),
    ...days('manifestsExpireDays'),
  };
}

/** `true`/`false` as a JSON boolean or a `-c` string. */
function flag(value: unknown, key: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`${key}: expected true or false, got ${JSON.stringify(value)}`);
}

function vpcIdFrom(value: unknown): { vpcId?: string } {
  if (value === undefined) return {};
  if (typeof value !== 'string' || !/^vpc-[0-9a-f]{8,17}$/.test(value))
    throw new Error(
      `${CONTEXT_KEYS.vpcId}: expected a VPC id like vpc-0abc1234, got ${JSON.stringify(value)}`,
    );
  return { vpcId: value };
}

function logRetentionFrom(value: unknown): { logRetention?: logs.RetentionDays } {
  if (value === undefined) return {};
  const days = Number(value);
  const allowed = Object.values(logs.RetentionDays).filter(
    (v): v is logs.RetentionDays => typeof v === 'number',
  );
  const match = allowed.find((v) => v === days);
  if (match === undefined)
    throw new Error(
      `${CONTEXT_KEYS.logRetentionDays}: expected one of ${allowed.join(', ')} (CloudWatch Logs retention days), got ${JSON.stringify(value)}`,
    );
  return { logRetention: match };
}

const SIZING_FIELDS = ['memoryMiB', 'timeoutSeconds', 'ephemeralStorageMiB'] as const;

function functionSizingFrom(value: unknown): Record<string, FunctionSizingOverride> {
  const key = CONTEXT_KEYS.functions;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Error(`${key}: expected JSON such as {"curate":{"memoryMiB":4096}}, got ${value}`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(
      `${key}: expected an object of function name → sizing, got ${JSON.stringify(value)}`,
    );
  const out: Record<string, FunctionSizingOverride> = {};
  for (const [name, sizing] of Object.entries(parsed)) {
    if (typeof sizing !== 'object' || sizing === null)
      throw new Error(`${key}.${name}: expected an object, got ${JSON.stringify(sizing)}`);
    const entry: Record<string, number> = {};
    for (const [field, n] of Object.entries(sizing)) {
      if (!(SIZING_FIELDS as readonly string[]).includes(field))
        throw new Error(
          `${key}.${name}.${field}: unknown field (known: ${SIZING_FIELDS.join(', ')})`,
        );
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
        throw new Error(
          `${key}.${name}.${field}: expected a positive integer, got ${JSON.stringify(n)}`,
        );
      entry[field] = n;
    }
    out[name] = entry;
  }
  return out;
}

function architectureFrom(value: unknown): { architecture?: LambdaArchitectureName } {
  if (value === undefined) return {};
  const name = optionalString(value, CONTEXT_KEYS.architecture);
  if (name === undefined || !Object.hasOwn(LAMBDA_PLATFORMS, name))
    throw new Error(
      `${CONTEXT_KEYS.architecture}: expected ${Object.keys(LAMBDA_PLATFORMS).join(' or ')}, got ${JSON.stringify(value)}`,
    );
  return { architecture: name as LambdaArchitectureName };
}

function trainingFrom(value: unknown): { training?: boolean } {
  if (value === undefined) return {};
  if (value === 'off' || value === false || value === 'false') return { training: false };
  if (value === 'batch' || value === true || value === 'true') return { training: true };
  throw new Error(
    `${CONTEXT_KEYS.training}: expected "batch" or "off", got ${JSON.stringify(value)}`,
  );
}

function optionalString(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new Error(`${key}: expected a string, got ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

/** A JSON array of strings or a comma-separated string. */
/** `bucket`, `bucket/prefix` or `s3://bucket/prefix` entries; anything else is named. */
function s3Locations(value: unknown, key: string): string[] {
  const items = list(value, key);
  for (const item of items) {
    const bucket = item.replace(/^s3:\/\//, '').split('/')[0] ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(item.replace(/^s3:\/\//, '')) || !S3_BUCKET.test(bucket))
      throw new Error(
        `${key}: expected bucket, bucket/prefix or s3://bucket/prefix, got ${JSON.stringify(item)}`,
      );
  }
  return items;
}

/** S3 bucket names: 3–63 lower-case letters, digits, dots and hyphens. */
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function list(value: unknown, key: string): string[] {
  const items = Array.isArray(value)
    ? value
    : typeof value === 'string'
      ? value.split(',')
      : undefined;
  if (!items || !items.every((item) => typeof item === 'string')) {
    throw new Error(
      `${key}: expected a comma-separated string or a list of strings, got ${JSON.stringify(value)}`,
    );
  }
  return items.map((item) => item.trim()).filter((item) => item.length > 0);
}
