/**
 * The one table of Lambda functions. Everything else is derived from it: the `${…FunctionArn}`
 * placeholders the compiler writes, each Lambda state's TimeoutSeconds, the CDK functions (size,
 * entry, grants, native modules), and the local runner's handler map. Adding a function is one
 * row here (docs/design.md shows the diff).
 */

/**
 * What a function may read besides its own run folder (grants on AWS, checks as deployed):
 * the pipeline's inputs, model folders (`models/` and `vlmflow:modelLocations`).
 */
export const FUNCTION_READS = ['inputs', 'models'] as const;
export type FunctionRead = (typeof FUNCTION_READS)[number];

export interface LambdaFunctionSpec {
  /** Module `lambdas/handlers/<handler>.ts`; its `handler` export runs the function. */
  readonly handler: string;
  /**
   * When set, the function is built from the pipeline's operators with this export of the
   * module instead (custom operators travel in the bundle): shard runners and Plan.
   */
  readonly factory?: 'createShardHandler' | 'createPlanHandler';
  /** Runs operators over shards (locally: in the worker pool). */
  readonly runsShards: boolean;
  /** Runs several samples in flight, as many as its memory buys vCPUs (shard-runtime.ts). */
  readonly samplesInFlight: boolean;
  /** Loads models (the operators of fn 'caption'): its bundle carries onnxruntime-node. */
  readonly loadsModels: boolean;
  readonly memoryMiB: number;
  /** The Lambda timeout, and the TimeoutSeconds of every state that invokes the function. */
  readonly timeoutSeconds: number;
  readonly ephemeralStorageMiB: number;
  /** Besides its run folder (`runs/<pipeline>/<runId>/`), which every function reads and writes. */
  readonly reads: readonly FunctionRead[];
  /**
   * Lists under `runs/` (s3:ListBucket): stats markers, shard outputs, and the listing that tells
   * a missing optional object from a denial (S3 answers 403 for both; docs/deploy.md). False for
   * a function that reads only objects that must exist: a missing one is then S3's 403.
   */
  readonly listsRuns: boolean;
  readonly description: string;
}

export const LAMBDA_FUNCTIONS = {
  plan: {
    handler: 'plan',
    factory: 'createPlanHandler',
    runsShards: false,
    samplesInFlight: false,
    loadsModels: false,
    memoryMiB: 1024,
    timeoutSeconds: 300,
    ephemeralStorageMiB: 512,
    // Models: Plan checks every model folder a run names (SHA256SUMS and files) before any shard.
    reads: ['inputs', 'models'],
    listsRuns: true,
    description:
      'Lists input shards and writes manifests: I/O bound, many LIST calls on big inputs',
  },
  download: {
    handler: 'curate',
    factory: 'createShardHandler',
    runsShards: true,
    samplesInFlight: false,
    loadsModels: false,
    memoryMiB: 2048,
    timeoutSeconds: 900,
    ephemeralStorageMiB: 512,
    reads: ['inputs'],
    listsRuns: true,
    description:
      "Downloads one item of a URL list (format 'urls'): network bound, `concurrency` images in memory at a time (32 × 32 MiB at most by default); Lambda outside a VPC reaches the internet",
  },
  curate: {
    handler: 'curate',
    factory: 'createShardHandler',
    runsShards: true,
    samplesInFlight: true,
    loadsModels: false,
    // 3538 MB buys 2 vCPUs, which samples in flight keep busy (BENCHMARKS.md, "Per Lambda"): the
    // price per vCPU-second is the same at any memory, so the cost per image is lowest where
    // every vCPU paid for works; more vCPUs than that was not measured here (2 cores).
    memoryMiB: 3538,
    timeoutSeconds: 900,
    ephemeralStorageMiB: 10240,
    reads: ['inputs'],
    listsRuns: true,
    description:
      'Streams a shard through the fused operators; images decoded by sharp in memory and /tmp',
  },
  caption: {
    handler: 'curate',
    factory: 'createShardHandler',
    runsShards: true,
    samplesInFlight: true,
    loadsModels: true,
    // The most memory Lambda offers, which also buys the most vCPUs (6) for onnxruntime's
    // threads; /tmp holds the warm container's model cache besides the shard.
    memoryMiB: 10240,
    timeoutSeconds: 900,
    ephemeralStorageMiB: 10240,
    reads: ['inputs', 'models'],
    listsRuns: true,
    description: 'Runs model operators (model.classify, caption.generate) over a shard',
  },
  finalize: {
    handler: 'finalize',
    runsShards: false,
    samplesInFlight: false,
    loadsModels: false,
    memoryMiB: 1024,
    timeoutSeconds: 900,
    ephemeralStorageMiB: 512,
    reads: [],
    listsRuns: true,
    description: "Reads every shard's stats and writes the dataset manifest",
  },
  mix: {
    handler: 'mix',
    runsShards: false,
    samplesInFlight: false,
    loadsModels: false,
    memoryMiB: 1024,
    timeoutSeconds: 900,
    ephemeralStorageMiB: 512,
    reads: [],
    // Reads only the dataset manifests finalize wrote.
    listsRuns: false,
    description: 'Samples a weighted mixture from dataset manifests',
  },
  summary: {
    handler: 'summary',
    runsShards: false,
    samplesInFlight: false,
    loadsModels: false,
    memoryMiB: 1024,
    timeoutSeconds: 120,
    ephemeralStorageMiB: 512,
    reads: [],
    listsRuns: true,
    description: 'Writes summary.json (and the run report) from the final state',
  },
  dedup: {
    handler: 'dedup',
    runsShards: false,
    samplesInFlight: false,
    loadsModels: false,
    memoryMiB: 3008,
    timeoutSeconds: 900,
    ephemeralStorageMiB: 512,
    reads: ['inputs'],
    listsRuns: true,
    description:
      'Run-scoped dedup (hash, plan, resolve, filter): decodes images for phash; a resolve task holds one hash partition',
  },
} as const satisfies Readonly<Record<string, LambdaFunctionSpec>>;

export type LambdaFunctionName = keyof typeof LAMBDA_FUNCTIONS;

export const LAMBDA_FUNCTION_NAMES = Object.keys(LAMBDA_FUNCTIONS) as LambdaFunctionName[];

export function isLambdaFunctionName(name: string): name is LambdaFunctionName {
  return Object.hasOwn(LAMBDA_FUNCTIONS, name);
}

/** `curate` → `CurateFunctionArn`: the placeholder the compiler writes for its ARN. */
export type FunctionArnPlaceholder<N extends string = LambdaFunctionName> =
  `${Capitalize<N>}FunctionArn`;

export function functionArnPlaceholder<N extends LambdaFunctionName>(
  name: N,
): FunctionArnPlaceholder<N> {
  return `${name[0]!.toUpperCase()}${name.slice(1)}FunctionArn` as FunctionArnPlaceholder<N>;
}

/** The function whose ARN a placeholder stands for, or undefined. */
export function functionOfPlaceholder(placeholder: string): LambdaFunctionName | undefined {
  return LAMBDA_FUNCTION_NAMES.find((name) => functionArnPlaceholder(name) === placeholder);
}

/** The handler module's path from the repository root, without extension. */
export const handlerModule = (name: LambdaFunctionName): string =>
  `lambdas/handlers/${LAMBDA_FUNCTIONS[name].handler}`;
