import type { ParamSpec } from '../dsl';

/** `--param k=v`: the value is read as the parameter's declared type. */
export function parseParamFlags(
  flags: readonly string[],
  specs: Readonly<Record<string, ParamSpec>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new Error(`--param ${flag}: expected name=value`);
    const name = flag.slice(0, eq);
    const raw = flag.slice(eq + 1);
    const spec = specs[name];
    if (!spec)
      throw new Error(
        `--param ${name}: unknown parameter (known: ${Object.keys(specs).join(', ')})`,
      );
    out[name] = parseValue(raw, spec, name);
  }
  return out;
}

function parseValue(raw: string, spec: ParamSpec, name: string): unknown {
  switch (spec.type) {
    case 'integer':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n))
        throw new Error(`--param ${name}: expected a number, got "${raw}"`);
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
