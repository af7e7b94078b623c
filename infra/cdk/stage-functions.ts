/**
 * The Lambda functions a pipeline's state machine invokes: one per row of core's function table
 * (core/functions.ts: handler, sizing, what it reads), bundled locally by esbuild (never Docker), on x86_64 by default or arm64
 * (Graviton, `vlmflow:architecture`): the native binaries shipped with them (sharp;
 * onnxruntime-node in the caption function) are copied for that platform.
 */
import * as path from 'node:path';
import { Aws, Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  INPUTS_PREFIX,
  MODELS_PREFIX,
  grantExternalRead,
  grantRunAccess,
  s3RootOf,
} from './bucket-access';
import {
  LAMBDA_FUNCTIONS,
  LAMBDA_FUNCTION_NAMES,
  isLambdaFunctionName,
  type FunctionRead,
  type LambdaFunctionName,
  type LambdaFunctionSpec,
} from '../../core/functions';
import { entryFor } from './handler-entries';
import { installRootOf, LOCK_FILE } from './install-root';
import { messageOf } from '../../core/errors';
import { samplesInFlightFor } from '../../core/lambda-vcpus';
import {
  LAMBDA_PLATFORMS,
  copyCommandsIfRequired,
  platformRuntimeDirs,
  shellQuote,
  type LambdaArchitectureName,
  type TargetPlatform,
} from './native-modules';
import { ONNXRUNTIME_PACKAGE, onnxruntimeRuntimePaths } from './onnxruntime-files';

/** CloudWatch namespace of the functions' Powertools metrics. */
export const METRICS_NAMESPACE = 'vlmflow';

/** Memory, timeout and /tmp of one function. */
export interface FunctionSizing {
  readonly memoryMiB: number;
  readonly timeout: Duration;
  readonly ephemeralStorageMiB: number;
}

/** Every function's default sizing, from core's function table. */
export const STAGE_FUNCTIONS = Object.fromEntries(
  LAMBDA_FUNCTION_NAMES.map((name) => {
    const { memoryMiB, timeoutSeconds, ephemeralStorageMiB } = LAMBDA_FUNCTIONS[name];
    return [name, { memoryMiB, timeout: Duration.seconds(timeoutSeconds), ephemeralStorageMiB }];
  }),
) as Readonly<Record<LambdaFunctionName, FunctionSizing>>;

export type StageFunctionName = LambdaFunctionName;

export const isStageFunctionName = isLambdaFunctionName;

/** The defaults with overrides applied (from `vlmflow:functions`); unknown names are errors. */
export function sizingWithOverrides(
  overrides: Readonly<
    Record<string, { memoryMiB?: number; timeoutSeconds?: number; ephemeralStorageMiB?: number }>
  >,
): Record<StageFunctionName, FunctionSizing> {
  const out = { ...STAGE_FUNCTIONS } as Record<StageFunctionName, FunctionSizing>;
  for (const [name, override] of Object.entries(overrides)) {
    if (!isStageFunctionName(name))
      throw new Error(
        `vlmflow:functions.${name}: unknown function (known: ${Object.keys(STAGE_FUNCTIONS).join(', ')})`,
      );
    const base = STAGE_FUNCTIONS[name];
    out[name] = {
      memoryMiB: override.memoryMiB ?? base.memoryMiB,
      timeout:
        override.timeoutSeconds !== undefined
          ? Duration.seconds(override.timeoutSeconds)
          : base.timeout,
      ephemeralStorageMiB: override.ephemeralStorageMiB ?? base.ephemeralStorageMiB,
    };
  }
  return out;
}

export interface StageFunctionsProps {
  /**
   * vlmflow's package folder (lambdas/). The bundles are built from the install that holds its
   * dependencies (install-root.ts): this folder in a checkout, else the project above it.
   */
  readonly projectRoot: string;
  readonly pipelineName: string;
  /** Absolute path of the module whose default export is the pipeline (for custom operators). */
  readonly pipelineFile: string;
  /** The functions to create (those the compiled definition references). */
  readonly functions: readonly StageFunctionName[];
  /** Bucket holding inputs (read anywhere) and runs (read/write under `runs/`). */
  readonly bucket: s3.IBucket;
  /**
   * Buckets outside the stack the plan and shard functions may read inputs from, as
   * `bucket` or `bucket/prefix`.
   * @default - none
   */
  readonly inputLocations?: readonly string[];
  /**
   * Key prefixes of the data bucket the input readers may list and get (bare-key inputs).
   * @default ['inputs']
   */
  readonly inputPrefixes?: readonly string[];
  /**
   * Buckets outside the stack, as `bucket` or `bucket/prefix`, the model readers (the caption
   * function) may read model folders from; `models/` of the data bucket is always readable.
   * @default - none
   */
  readonly modelLocations?: readonly string[];
  /** @default - STAGE_FUNCTIONS */
  readonly sizing?: Partial<Readonly<Record<StageFunctionName, FunctionSizing>>>;
  /**
   * CPU architecture of every function; `arm64` is Graviton (about 20 % less per GB-second).
   * @default 'x86_64'
   */
  readonly architecture?: LambdaArchitectureName;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log groups when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Samples in flight from the function's vCPUs (lambdas/runtime/shard-runtime.ts), and libuv's
 * pool, where sharp runs each pipeline, big enough for them plus file I/O.
 */
export function shardRuntimeEnvironment(memoryMiB: number): Record<string, string> {
  const inFlight = samplesInFlightFor(memoryMiB);
  return {
    VLMFLOW_IN_FLIGHT: String(inFlight),
    UV_THREADPOOL_SIZE: String(Math.max(4, inFlight + 2)),
  };
}

const row = (name: StageFunctionName): LambdaFunctionSpec => LAMBDA_FUNCTIONS[name];
const reads = (name: StageFunctionName, what: FunctionRead): boolean =>
  row(name).reads.includes(what);

/**
 * Functions that may read model locations: the model readers, and Plan, which checks every
 * model folder a run names (its SHA256SUMS and files) before any shard runs.
 */
export const MODEL_LOCATION_READERS: readonly StageFunctionName[] = LAMBDA_FUNCTION_NAMES.filter(
  (name) => reads(name, 'models'),
);

export class StageFunctions extends Construct {
  readonly functions: ReadonlyMap<StageFunctionName, lambda.IFunction>;

  constructor(scope: Construct, id: string, props: StageFunctionsProps) {
    super(scope, id);
    const installRoot = installRootOf(props.projectRoot);
    const entryOptions = {
      projectRoot: props.projectRoot,
      installRoot,
      pipelineName: props.pipelineName,
      pipelineFile: props.pipelineFile,
    };
    const created = new Map<StageFunctionName, lambda.IFunction>();
    const modelLocations = props.modelLocations ?? [];
    const platform = LAMBDA_PLATFORMS[props.architecture ?? 'x86_64'];
    for (const name of new Set(props.functions)) {
      const sizing = props.sizing?.[name] ?? STAGE_FUNCTIONS[name];
      const readsModels = row(name).loadsModels;
      const readsModelLocations = reads(name, 'models');
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
      const fn = new NodejsFunction(this, name, {
        description: `vlmflow ${props.pipelineName}: ${name}`,
        entry: entryFor(name, entryOptions),
        handler: 'handler',
        projectRoot: installRoot,
        depsLockFilePath: path.join(installRoot, LOCK_FILE),
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture:
          platform.cpu === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
        memorySize: sizing.memoryMiB,
        timeout: sizing.timeout,
        ephemeralStorageSize: Size.mebibytes(sizing.ephemeralStorageMiB),
        environment: {
          NODE_OPTIONS: '--enable-source-maps',
          // Powertools (lambdas/runtime/observability.ts): JSON logs and EMF metrics.
          POWERTOOLS_SERVICE_NAME: `vlmflow-${props.pipelineName}`,
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          ...(row(name).samplesInFlight ? shardRuntimeEnvironment(sizing.memoryMiB) : {}),
          // Storage and model URIs are confined to what the function may touch anyway
          // (lambdas/shards/allowed-roots.ts): a bad run input fails with a clear message.
          VLMFLOW_ALLOWED_ROOTS: [
            `s3://${props.bucket.bucketName}/`,
            ...[
              ...(props.inputLocations ?? []),
              ...(readsModelLocations ? modelLocations : []),
            ].map(s3RootOf),
          ].join(','),
        },
        tracing: lambda.Tracing.ACTIVE,
        logGroup,
        bundling: bundlingOptions(installRoot, { withOnnxruntime: readsModels, platform }),
      });
      const readsInputs = reads(name, 'inputs');
      grantRunAccess(fn, props.bucket, {
        listRuns: row(name).listsRuns,
        inputPrefixes: [
          ...(readsInputs ? (props.inputPrefixes ?? [INPUTS_PREFIX]) : []),
          ...(readsModelLocations ? [MODELS_PREFIX] : []),
        ],
      });
      const externalInputs = readsInputs ? (props.inputLocations ?? []) : [];
      for (const location of externalInputs) grantExternalRead(fn, Aws.PARTITION, location);
      if (readsModelLocations)
        for (const location of modelLocations) grantExternalRead(fn, Aws.PARTITION, location);
      created.set(name, fn);
    }
    this.functions = created;
  }

  /** The function, or an error naming what is missing. */
  get(name: StageFunctionName): lambda.IFunction {
    const fn = this.functions.get(name);
    if (fn) return fn;
    const created = [...this.functions.keys()].join(', ');
    throw new Error(`stage function "${name}" was not created (created: ${created})`);
  }
}

const PDFJS_ENTRY = 'pdfjs-dist/legacy/build/pdf.mjs';
/**
 * text.language's fastText (WebAssembly + the lid.176 model file, read from the package folder
 * at run time): shipped beside the bundle whole, when the bundle requires its language table
 * (the literal require in lambdas/ops/language-id.ts).
 */
const FASTTEXT_PACKAGE = 'fasttext.wasm.js';
const FASTTEXT_ENTRY =
  'fasttext.wasm.js/dist/models/language-identification/assets/languages.json.cjs';

function bundlingOptions(
  installRoot: string,
  options: { readonly withOnnxruntime: boolean; readonly platform: TargetPlatform },
): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.CJS,
    sourceMap: true,
    // Bundle the AWS SDK too: the versions the tests ran against, not the runtime's.
    // Native or ES-module-only packages ship beside the bundle instead (see native-modules.ts).
    // onnxruntime-node stays external in every bundle; only model readers carry it.
    externalModules: ['sharp', 'pdfjs-dist', ONNXRUNTIME_PACKAGE, FASTTEXT_PACKAGE],
    commandHooks: {
      beforeBundling: (): string[] => [],
      beforeInstall: (): string[] => [],
      afterBundling: (_inputDir: string, outputDir: string): string[] =>
        nativeCopyCommands(installRoot, outputDir, options),
    },
  };
}

/**
 * Shell commands, run after esbuild, that copy the native packages the bundle loads for the
 * target platform; a missing platform binary becomes a command that fails with its message.
 */
export function nativeCopyCommands(
  installRoot: string,
  outputDir: string,
  options: { readonly withOnnxruntime: boolean; readonly platform: TargetPlatform },
): string[] {
  const { platform } = options;
  let dirs: string[];
  let pdfDirs: string[];
  try {
    dirs = platformRuntimeDirs(installRoot, 'sharp', platform);
    // PDF sources: PDF.js (ES modules only) and the prebuilt canvas binding it renders with.
    pdfDirs = platformRuntimeDirs(installRoot, 'pdfjs-dist', platform);
  } catch (error) {
    // CDK builds these commands even for stacks it does not bundle (tests, other
    // stacks): a missing binary fails the bundling that needs it, with the message.
    return [`echo ${shellQuote(messageOf(error))} >&2`, 'exit 1'];
  }
  // onnxruntime-node: the target platform's binding only (onnxruntime-files.ts).
  const onnxPaths = options.withOnnxruntime ? onnxruntimeRuntimePaths(installRoot, platform) : [];
  return [
    ...copyCommandsIfRequired(installRoot, dirs, 'sharp', outputDir),
    ...copyCommandsIfRequired(installRoot, pdfDirs, PDFJS_ENTRY, outputDir),
    ...copyCommandsIfRequired(
      installRoot,
      [path.join('node_modules', FASTTEXT_PACKAGE)],
      FASTTEXT_ENTRY,
      outputDir,
    ),
    ...(onnxPaths.length > 0
      ? copyCommandsIfRequired(installRoot, onnxPaths, ONNXRUNTIME_PACKAGE, outputDir)
      : []),
  ];
}
