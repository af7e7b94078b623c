import type { ParamSpec } from '../dsl';
import type { ImplicitParam } from '../../core/implicit-params';
import { closeMatches } from '../../core/close-matches';
import type { ScalarType } from '../../core/implicit-args';

/**
 * `--param k=v`: the value is read as the parameter's type, declared or (for an implicit
 * operator parameter `<source>.<op>.<arg>`, docs/parameters.md) the argument's schema type.
 * Values are checked by the caller (Plan's rules); names and types are checked here.
 */
export function parseParamFlags(
  flags: readonly string[],
  specs: Readonly<Record<string, ParamSpec>>,
  implicit: readonly ImplicitParam[] = [],
): Record<string, unknown> {
  const byName = new Map(implicit.map((p) => [p.name, p]));
  const out: Record<string, unknown> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new Error(`--param ${flag}: expected name=value`);
    const name = flag.slice(0, eq);
    const raw = flag.slice(eq + 1);
    const spec = specs[name];
    const operatorParam = byName.get(name);
    if (spec) out[name] = parseValue(raw, spec.type, name);
    else if (operatorParam?.boundTo !== undefined)
      throw new Error(
        `--param ${name}: argument "${operatorParam.arg}" of operator ${operatorParam.op} is bound to the pipeline parameter "${operatorParam.boundTo}"; use --param ${operatorParam.boundTo}=${raw}`,
      );
    else if (operatorParam) out[name] = parseValue(raw, typeOf(operatorParam), name);
    else {
      const settable = implicit.filter((p) => p.boundTo === undefined).map((p) => p.name);
      const close = closeMatches(name, [...Object.keys(specs), ...settable]);
      throw new Error(
        `--param ${name}: unknown parameter (known: ${Object.keys(specs).join(', ')})` +
          (close.length > 0 ? ` (close matches: ${close.join(', ')})` : ''),
      );
    }
  }
  return out;
}

/** A string enum of numbers (z.literal(1) | …) reads as numbers. */
function typeOf(p: ImplicitParam): ScalarType {
  const values = p.schema.enum;
  return values !== undefined && values.every((v) => typeof v === 'number')
    ? 'number'
    : p.schema.type;
}

const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

function parseValue(raw: string, type: ParamSpec['type'], name: string): unknown {
  switch (type) {
    case 'integer':
    case 'number': {
      // Plain decimal only: Number() would also take "0x10", " 300 " and "1_0"-like surprises.
      const n = DECIMAL.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(n)) throw new Error(`--param ${name}: expected a number, got "${raw}"`);
      return n;
    }
    case 'boolean':
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw new Error(`--param ${name}: expected true or false, got "${raw}"`);
    case 'string':
      return raw;
  }
}

/** `--input uri` (the only source) or `--input name=uri` (any source). */
export function parseInputFlags(
  flags: readonly string[],
  sources: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const named = /^([a-z][a-z0-9-]*)=(.+)$/.exec(flag);
    if (named && sources.includes(named[1] as string)) {
      out[named[1] as string] = named[2] as string;
    } else if (sources.length === 1) {
      out[sources[0] as string] = flag;
    } else {
      throw new Error(
        `--input ${flag}: this pipeline has several sources; use --input <source>=<uri> (sources: ${sources.join(', ')})`,
      );
    }
  }
  return out;
}
