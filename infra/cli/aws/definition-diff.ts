/**
 * Where a deployed state machine's definition differs from the local compile, as JSON paths
 * (`States.Plan.Parameters.Payload.paramSpecs.trainSteps.default: deployed 200, local 10`).
 * Strings the local definition leaves as placeholders (`${CurateFunctionArn}`, `${DataRoot}`)
 * are filled at deploy time, so they match whatever the deployed one holds there; the graph
 * hash differs whenever anything else does, so it is not listed.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const IGNORED_KEYS = new Set(['definitionHash']);

const show = (value: Json | undefined): string => {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};

const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function walk(deployed: Json | undefined, local: Json | undefined, at: string, out: string[]) {
  if (typeof local === 'string' && local.includes('${') && typeof deployed === 'string') return;
  if (isObject(deployed) && isObject(local)) {
    for (const key of new Set([...Object.keys(local), ...Object.keys(deployed)])) {
      if (!IGNORED_KEYS.has(key)) walk(deployed[key], local[key], at ? `${at}.${key}` : key, out);
    }
    return;
  }
  if (Array.isArray(deployed) && Array.isArray(local) && deployed.length === local.length) {
    deployed.forEach((item, i) => walk(item, local[i], `${at}[${i}]`, out));
    return;
  }
  if (JSON.stringify(deployed) !== JSON.stringify(local))
    out.push(`${at || '(root)'}: deployed ${show(deployed)}, local ${show(local)}`);
}

/** Every differing path, in the local definition's key order. */
export function definitionDifferences(deployed: unknown, local: unknown): string[] {
  const parse = (d: unknown): Json =>
    typeof d === 'string' ? (JSON.parse(d) as Json) : (d as Json);
  const out: string[] = [];
  walk(parse(deployed), parse(local), '', out);
  return out;
}
