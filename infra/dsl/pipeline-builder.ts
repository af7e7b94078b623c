import type { OperatorDeclaration } from '../../core/ops/operator';
import { checkParam } from '../../core/params';
import { DSL_ERROR_CODES, DslError } from './errors';
import {
  IR_VERSION,
  RESERVED_PARAMS,
  type Arg,
  type MixNode,
  type ParamSpec,
  type PipelineGraph,
  type SourceNode,
  type TrainNode,
  type PdfSourceOptions,
  type SourceFormat,
} from '../../core/ir';
import {
  DEFAULT_PATTERNS,
  DEFAULT_SOURCE_FORMAT,
  formatOptionsOf,
  formatOptionsProblem,
  SOURCE_FORMATS,
  type FormatOptions,
} from '../../core/formats';
import { checkName, checkParamName } from './names';
import { refsOf, type ParamDef, type ParamRefs, type ParamTypes } from './params';
import { sourceBuilder, type SourceBuilder } from './source-builder';

export interface SourceOptions {
  /** Default shard location; see SourceNode.uri. */
  readonly uri: string;
  /** @default '*.tar' ('*.pdf', '*.jsonl' for those formats) */
  readonly pattern?: string;
  /** Added: how the files are read (docs/sources.md). @default 'webdataset' */
  readonly format?: SourceFormat;
  /** Added: page rendering and limits, for `format: 'pdf'`. */
  readonly pdf?: PdfSourceOptions;
  /** Added: columns, item size and download settings, for `format: 'urls'`. */
  readonly urls?: FormatOptions['urls'];
  /** Added: columns and item size, for `format: 'parquet'`. */
  readonly parquet?: FormatOptions['parquet'];
  /** Added: item size, for `format: 'folder'`. */
  readonly folder?: FormatOptions['folder'];
}

export interface MixOptions<D extends string> {
  /** Weight per dataset (relative; need not sum to 1). */
  readonly weights: { readonly [K in D]?: Arg<number> };
  /** Samples in the mixture; 0 = the most the weights allow without repeating a sample. @default 0 */
  readonly samples?: Arg<number>;
  /** @default 0 */
  readonly seed?: Arg<number>;
}

export interface TrainOptions<D extends string> {
  readonly dataset: D;
  /** @default 1 */
  readonly gpus?: number;
  /** @default 8 */
  readonly vcpus?: number;
  /** @default 60000 */
  readonly memoryMiB?: number;
  /** @default 86400 (24 h) */
  readonly timeoutSeconds?: number;
  /**
   * Run as an AWS Batch multi-node parallel job of this many nodes (a number or an integer run
   * parameter; each node has `gpus` GPUs; On-Demand only, as Batch requires).
   * @default - a single-node job
   */
  readonly nodes?: Arg<number>;
  /**
   * Passed to the training job as `--config <json>`; top-level values may be run parameters.
   * @default {}
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /** A boolean run parameter that switches the stage off for a run. @default true */
  readonly enabled?: Arg<boolean>;
}

export interface MapSettings {
  readonly maxConcurrency?: number;
  readonly toleratedFailurePercentage?: number;
  /** Kept samples carry their measurements in json (`vlmflow.stats`). @default true */
  readonly statsInJson?: boolean;
}

interface BuilderState {
  readonly name: string;
  readonly description: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly sources: readonly SourceNode[];
  readonly mixes: readonly MixNode[];
  readonly trains: readonly TrainNode[];
  readonly operators: readonly OperatorDeclaration[];
}

/**
 * Immutable pipeline builder. `P` records the declared parameters' types and `D` the names of
 * the datasets defined so far, so references to either are checked by the compiler.
 */
export class PipelineBuilder<P = unknown, D extends string = never> {
  /** @internal */
  constructor(private readonly state: BuilderState) {}

  describe(description: string): PipelineBuilder<P, D> {
    return new PipelineBuilder({ ...this.state, description });
  }

  params<N extends Record<string, ParamDef<unknown>>>(
    defs: N,
  ): PipelineBuilder<P & ParamTypes<N>, D> {
    const params: Record<string, ParamSpec> = { ...this.state.params };
    for (const [name, def] of Object.entries(defs)) {
      const where = `pipeline "${this.state.name}", params.${name}`;
      checkParamName(name, where);
      if (Object.hasOwn(RESERVED_PARAMS, name)) {
        throw new DslError(
          DSL_ERROR_CODES.invalidParam,
          `${where}: "${name}" is reserved; set it with .settings()`,
        );
      }
      if (Object.hasOwn(params, name)) {
        throw new DslError(DSL_ERROR_CODES.duplicateName, `${where}: parameter declared twice`);
      }
      params[name] = checkedSpec(def.spec, name, where);
    }
    return new PipelineBuilder({ ...this.state, params });
  }

  /** Defaults of the settings every pipeline has (map settings, statsInJson; runs can override them). */
  settings(settings: MapSettings): PipelineBuilder<P, D> {
    const params: Record<string, ParamSpec> = { ...this.state.params };
    for (const [name, value] of Object.entries(settings)) {
      if (!Object.hasOwn(RESERVED_PARAMS, name)) {
        throw new DslError(
          DSL_ERROR_CODES.invalidParam,
          `pipeline "${this.state.name}", settings.${name}: unknown setting`,
        );
      }
      const spec = params[name] as ParamSpec;
      params[name] = checkedSpec(
        { ...spec, default: value as number | boolean },
        name,
        `pipeline "${this.state.name}", settings.${name}`,
      );
    }
    return new PipelineBuilder({ ...this.state, params });
  }

  source<N extends string>(
    name: N,
    options: SourceOptions,
    build: (source: SourceBuilder, params: ParamRefs<P>) => SourceBuilder,
  ): PipelineBuilder<P, D | N> {
    this.checkNewStage(name);
    const format = checkedFormat(options, `pipeline "${this.state.name}", source "${name}"`);
    const base = sourceBuilder(name, options.uri, options.pattern ?? DEFAULT_PATTERNS[format]);
    const built = build(base.withFormat(format, formatOptionsOf(options)), this.refs()).build();
    return new PipelineBuilder({
      ...this.state,
      sources: [...this.state.sources, built.node],
      operators: [...this.state.operators, ...built.operators],
    });
  }

  mix<N extends string>(
    name: N,
    options: MixOptions<D> | ((params: ParamRefs<P>) => MixOptions<D>),
  ): PipelineBuilder<P, D | N> {
    this.checkNewStage(name);
    const o = typeof options === 'function' ? options(this.refs()) : options;
    const node: MixNode = {
      kind: 'mix',
      name,
      inputs: Object.entries(o.weights).map(([dataset, weight]) => ({
        dataset,
        weight: weight as Arg<number>,
      })),
      samples: o.samples ?? 0,
      seed: o.seed ?? 0,
    };
    return new PipelineBuilder({ ...this.state, mixes: [...this.state.mixes, node] });
  }

  train<N extends string>(
    name: N,
    options: TrainOptions<D> | ((params: ParamRefs<P>) => TrainOptions<D>),
  ): PipelineBuilder<P, D> {
    this.checkNewStage(name);
    const o = typeof options === 'function' ? options(this.refs()) : options;
    const node: TrainNode = {
      kind: 'train',
      name,
      dataset: o.dataset,
      gpus: o.gpus ?? 1,
      vcpus: o.vcpus ?? 8,
      memoryMiB: o.memoryMiB ?? 60000,
      timeoutSeconds: o.timeoutSeconds ?? 86400,
      ...(o.nodes !== undefined ? { nodes: o.nodes } : {}),
      config: o.config ?? {},
      enabled: o.enabled ?? true,
    };
    return new PipelineBuilder({ ...this.state, trains: [...this.state.trains, node] });
  }

  /** @internal */
  build(): { graph: PipelineGraph; operators: readonly OperatorDeclaration[] } {
    const { name, description, params, sources, mixes, trains, operators } = this.state;
    return {
      graph: { irVersion: IR_VERSION, name, description, params, sources, mixes, trains },
      operators,
    };
  }

  private refs(): ParamRefs<P> {
    return refsOf<P>(Object.keys(this.state.params));
  }

  private checkNewStage(name: string): void {
    const where = `pipeline "${this.state.name}", stage "${name}"`;
    checkName('stage', name, where);
    const taken = [...this.state.sources, ...this.state.mixes, ...this.state.trains].some(
      (s) => s.name === name,
    );
    if (taken)
      throw new DslError(
        DSL_ERROR_CODES.duplicateName,
        `${where}: a stage with this name already exists`,
      );
  }
}

/** The source's format; a format's options only with that format, and valid ones. */
function checkedFormat(options: SourceOptions, where: string): SourceFormat {
  const format = options.format ?? DEFAULT_SOURCE_FORMAT;
  if (!Object.hasOwn(SOURCE_FORMATS, format)) {
    throw new DslError(
      DSL_ERROR_CODES.invalidStage,
      `${where}: unknown format "${format}" (known: ${Object.keys(SOURCE_FORMATS).join(', ')})`,
    );
  }
  const problem = formatOptionsProblem(format, options);
  if (problem) throw new DslError(DSL_ERROR_CODES.invalidStage, `${where}: ${problem}`);
  return format;
}

function checkedSpec(spec: ParamSpec, name: string, where: string): ParamSpec {
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
    throw new DslError(
      DSL_ERROR_CODES.invalidParam,
      `${where}: min ${spec.min} is above max ${spec.max}`,
    );
  }
  const problem = checkParam(name, spec, spec.default);
  if (problem)
    throw new DslError(
      DSL_ERROR_CODES.invalidParam,
      `${where}: default: ${problem.replace(/^params\.\w+: /, '')}`,
    );
  return spec;
}

export function newPipelineBuilder(name: string): PipelineBuilder {
  checkName('pipeline', name, `pipeline "${name}"`);
  return new PipelineBuilder({
    name,
    description: '',
    params: { ...RESERVED_PARAMS },
    sources: [],
    mixes: [],
    trains: [],
    operators: [],
  });
}
