/**
 * Deployment choices read from CDK context (`-c key=value` or cdk.json "context"), so one
 * checkout can deploy differently without code changes. Values from `-c` arrive as strings;
 * values from cdk.json may be JSON; both are accepted.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';

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
  /** Limits the app to one pipeline. */
  pipeline: 'pipeline',
} as const;

export interface DeploymentSettings {
  readonly removalPolicy?: RemovalPolicy;
  readonly gpuInstanceTypes?: readonly string[];
  readonly gpuSpot?: boolean;
  readonly gpuMaxVcpus?: number;
  readonly inputLocations?: readonly string[];
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
  };
}

function optionalString(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new Error(`${key}: expected a string, got ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

/** A JSON array of strings or a comma-separated string. */
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
