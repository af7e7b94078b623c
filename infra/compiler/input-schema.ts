/**
 * The JSON Schema (draft 2020-12) of a pipeline's execution input: what the Step Functions
 * console, `vlmflow start` and any client may send. Plan checks the same rules at run time
 * (core/run-params.ts); the schema lets people see them before a run and lets
 * editors validate an input file. Pure: the same graph always yields the same schema.
 */
import type { ParamSpec, PipelineGraph } from '../../core/ir';
import { settableImplicitParams, type ImplicitParam } from '../../core/implicit-params';
import type { OperatorDeclaration } from '../../core/ops/operator';
import { CORE_DECLARATIONS } from '../../core/ops';
import { RUN_ID_PATTERN } from '../../core/layout';

/** The subset of JSON Schema this module writes; plain JSON. */
export interface JsonSchema {
  readonly $schema?: string;
  readonly $id?: string;
  readonly title?: string;
  readonly description?: string;
  readonly type?: 'object' | 'string' | 'integer' | 'number' | 'boolean';
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly additionalProperties?: boolean;
  readonly default?: unknown;
  readonly examples?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly not?: JsonSchema;
  readonly enum?: readonly (string | number | boolean)[];
}

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * `operators`: the pipeline's operator declarations (`Pipeline.operators`), whose schemas give
 * the implicit operator parameters their types and bounds; by default the built-in operators.
 */
export function renderInputSchema(
  graph: PipelineGraph,
  operators: readonly OperatorDeclaration[] = CORE_DECLARATIONS,
): JsonSchema {
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `vlmflow:${graph.name}:input`,
    title: `Execution input of vlmflow pipeline "${graph.name}"`,
    description:
      'Every field is optional: {} runs with every default. Plan rejects a wrong value with a message naming the field and the allowed values.',
    type: 'object',
    additionalProperties: false,
    properties: {
      runId: {
        type: 'string',
        description:
          'Run folder name under runs/<pipeline>/; rerunning an id skips the shards already done. Default: the execution name.',
        pattern: RUN_ID_PATTERN.source,
        not: { pattern: '^\\.+$' },
      },
      params: {
        type: 'object',
        description:
          'Run parameters; any not given take their default. Besides those the pipeline declares, every operator argument not bound to one is a parameter named <source>.<operator>.<argument> (docs/parameters.md).',
        additionalProperties: false,
        properties: Object.fromEntries([
          ...Object.entries(graph.params).map(([name, spec]) => [name, paramSchema(spec)]),
          ...settableImplicitParams(graph, operators).map((p) => [p.name, implicitSchema(p)]),
        ]),
      },
      inputs: {
        type: 'object',
        description:
          "Shard locations by source, replacing the pipeline's defaults: s3://bucket/prefix, or a bare key under the data bucket.",
        additionalProperties: false,
        properties: Object.fromEntries(
          graph.sources.map((source) => [
            source.name,
            {
              type: 'string',
              minLength: 1,
              default: source.uri,
              description: `Shards of source "${source.name}" (files matching ${source.pattern})`,
            },
          ]),
        ),
      },
      maxShards: {
        type: 'integer',
        minimum: 1,
        description: 'Process at most this many shards per source (a trial run). Default: all.',
      },
      onChange: {
        enum: ['refuse', 'newRun'],
        description:
          'When runId names a run made with another definition, parameters or inputs: refuse (default) or write a new run <runId>-2, -3, ….',
      },
    },
  };
}

function paramSchema(spec: ParamSpec): JsonSchema {
  return {
    type: spec.type,
    default: spec.default,
    ...(spec.min !== undefined && { minimum: spec.min }),
    ...(spec.max !== undefined && { maximum: spec.max }),
    ...(spec.enum !== undefined && { enum: spec.enum }),
    ...(spec.description !== undefined && { description: spec.description }),
  };
}

function implicitSchema(p: ImplicitParam): JsonSchema {
  // The default shown is the pipeline's literal, not the operator's own.
  const bounds = Object.fromEntries(
    Object.entries(p.schema).filter(([key]) => key !== 'default' && key !== 'description'),
  ) as JsonSchema;
  const described = p.schema.description;
  const use = p.label === p.op ? '' : ` (use ${p.label.slice(p.op.length)})`;
  return {
    ...bounds,
    ...(p.default !== undefined && { default: p.default }),
    description:
      `Argument "${p.arg}" of operator ${p.op}${use} in source "${p.stage}"` +
      (described ? `: ${described}` : '') +
      (p.default === undefined ? '; unset by default' : ''),
  };
}

/** An input that sets every field to its default: a starting point to edit in the console. */
export function exampleInput(graph: PipelineGraph, runId = 'my-run'): Record<string, unknown> {
  return {
    runId,
    params: Object.fromEntries(Object.entries(graph.params).map(([n, s]) => [n, s.default])),
    inputs: Object.fromEntries(graph.sources.map((source) => [source.name, source.uri])),
  };
}

export const renderInputSchemaJson = (
  graph: PipelineGraph,
  operators?: readonly OperatorDeclaration[],
): string => `${JSON.stringify(renderInputSchema(graph, operators), null, 2)}\n`;
