/**
 * No import cycles among the project's modules (runtime imports: `import type` is erased).
 * Hand-written (a static scan of relative imports) rather than an eslint import plugin: that
 * plugin resolves every import of every file on each lint run, too slow for this tree.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const LAYERS = ['core', 'infra', 'lambdas', 'pipelines'];
const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^;]*?\sfrom\s+)?'(\.[^']+)'/gms;

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(file);
    return entry.name.endsWith('.ts') ? [path.relative(ROOT, file)] : [];
  });
}

function runtimeImports(file: string, known: ReadonlySet<string>): string[] {
  const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [...source.matchAll(IMPORT)].flatMap(([, typeOnly, spec]) => {
    if (typeOnly) return [];
    const base = path.join(path.dirname(file), spec!);
    return [`${base}.ts`, path.join(base, 'index.ts')].filter((f) => known.has(f)).slice(0, 1);
  });
}

/** Every cycle found by a depth-first walk, as the files on it. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

it('no module of core, infra, lambdas or pipelines imports itself through others', () => {
  const files = LAYERS.flatMap((layer) => filesUnder(path.join(ROOT, layer)));
  const known = new Set(files);
  const graph = new Map(files.map((file) => [file, runtimeImports(file, known)]));
  expect(graph.get('infra/compiler/index.ts')?.length).toBeGreaterThan(0);
  expect(cycles(graph)).toEqual([]);
});
