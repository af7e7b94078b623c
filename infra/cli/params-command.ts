/**
 * `vlmflow params <pipeline>`: every run parameter, the declared ones and the implicit
 * operator parameters (docs/parameters.md), with type, default and allowed values. Rows keep
 * the pipeline's order, so the output is stable.
 */
import type { Pipeline } from '../dsl';
import { implicitParamsOf, type ImplicitParam } from '../../core/implicit-params';
import type { ArgSchema } from '../../core/implicit-args';

export interface ParamRow {
  readonly name: string;
  /** `declared`, or the source whose operator the argument belongs to. */
  readonly scope: string;
  readonly type: string;
  /** Absent: unset unless given. */
  readonly default?: string | number | boolean;
  /** Allowed values in words: `1..10000`, `>0`, `a|b`; '' for any. */
  readonly allowed: string;
  /** For a bound argument: the declared parameter to set instead. */
  readonly boundTo?: string;
  readonly description: string;
}

export function paramRows(pipeline: Pick<Pipeline, 'graph' | 'operators'>): ParamRow[] {
  const declared = Object.entries(pipeline.graph.params).map(([name, spec]): ParamRow => ({
    name,
    scope: 'declared',
    type: spec.type,
    default: spec.default,
    allowed: allowedOf(spec.enum, spec.min, spec.max),
    description: spec.description ?? '',
  }));
  const implicit = implicitParamsOf(pipeline.graph, pipeline.operators).map(implicitRow);
  return [...declared, ...implicit];
}

function implicitRow(p: ImplicitParam): ParamRow {
  const s: ArgSchema = p.schema;
  return {
    name: p.name,
    scope: p.stage,
    type: s.type,
    ...(p.default !== undefined && { default: p.default }),
    allowed: allowedOf(s.enum, s.minimum, s.maximum, s.exclusiveMinimum, s.exclusiveMaximum),
    ...(p.boundTo !== undefined && { boundTo: p.boundTo }),
    description: `${p.op} argument "${p.arg}"${s.description ? `: ${s.description}` : ''}`,
  };
}

function allowedOf(
  values: readonly (string | number | boolean)[] | undefined,
  min?: number,
  max?: number,
  above?: number,
  below?: number,
): string {
  if (values) return values.map(String).join('|');
  const low = min !== undefined ? `${min}` : above !== undefined ? `>${above}` : undefined;
  const high = max !== undefined ? `${max}` : below !== undefined ? `<${below}` : undefined;
  if (low !== undefined && high !== undefined && min !== undefined && max !== undefined)
    return `${low}..${high}`;
  return [
    low === undefined ? '' : min !== undefined ? `>=${low}` : low,
    high === undefined ? '' : max !== undefined ? `<=${high}` : high,
  ]
    .filter(Boolean)
    .join(' ');
}

const shown = (value: string | number | boolean | undefined): string =>
  value === undefined ? '(unset)' : value === '' ? '""' : String(value);

/** The listing as text: one section for declared parameters, one per source. */
export function renderParamRows(pipelineName: string, rows: readonly ParamRow[]): string {
  const settable = rows.filter((r) => r.boundTo === undefined);
  const operatorCount = settable.filter((r) => r.scope !== 'declared').length;
  const lines = [
    `${pipelineName}: ${settable.length - operatorCount} declared, ${operatorCount} operator parameters; set with --param <name>=<value> or {"params": {"<name>": <value>}}`,
  ];
  const width = Math.max(...rows.map((r) => r.name.length), 4);
  const cells = (r: ParamRow) =>
    r.boundTo !== undefined
      ? `  ${r.name.padEnd(width)}  bound to ${r.boundTo}: set that one`
      : `  ${r.name.padEnd(width)}  ${r.type.padEnd(7)}  ${shown(r.default).padEnd(12)}  ${r.allowed.padEnd(16)}  ${r.description}`.trimEnd();
  lines.push(
    '',
    `  ${'NAME'.padEnd(width)}  ${'TYPE'.padEnd(7)}  ${'DEFAULT'.padEnd(12)}  ${'ALLOWED'.padEnd(16)}  DESCRIPTION`,
  );
  for (const [i, scope] of [...new Set(rows.map((r) => r.scope))].entries()) {
    if (i > 0) lines.push('');
    lines.push(scope === 'declared' ? 'declared' : `source ${scope}`);
    lines.push(...rows.filter((r) => r.scope === scope).map(cells));
  }
  return `${lines.join('\n')}\n`;
}
