/**
 * Finds the pipelines to deploy: every `pipelines/*.ts` whose default export is a Pipeline.
 * Loaded with `require` because the CDK app runs as CommonJS under tsx.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isPipeline, type Pipeline } from '../dsl';

export interface DiscoveredPipeline {
  readonly pipeline: Pipeline;
  /** Absolute path of the module; the shard functions bundle it for its operators. */
  readonly file: string;
}

export function discoverPipelines(directory: string): DiscoveredPipeline[] {
  if (!fs.existsSync(directory))
    throw new Error(
      `no pipelines folder ${directory}: run cdk in a project's folder (\`vlmflow init\` makes one) or set -c vlmflow:pipelinesDir=<folder>`,
    );
  const files = fs
    .readdirSync(directory)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .sort()
    .map((name) => path.join(directory, name));
  const found = files.map((file) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- found at run time; the app runs as CommonJS
    const loaded: unknown = (require(file) as { default?: unknown }).default;
    if (!isPipeline(loaded))
      throw new Error(
        `${file}: the default export is not a pipeline (export default pipeline('name', p => …))`,
      );
    return { pipeline: loaded, file };
  });
  const byName = new Map<string, string>();
  for (const { pipeline, file } of found) {
    const other = byName.get(pipeline.name);
    if (other)
      throw new Error(`pipeline "${pipeline.name}" is defined twice: ${other} and ${file}`);
    byName.set(pipeline.name, file);
  }
  return found;
}

/** The pipelines the app deploys: all of them, or the one named by `-c pipeline=<name>`. */
export function selectPipelines(
  all: readonly DiscoveredPipeline[],
  only: string | undefined,
): DiscoveredPipeline[] {
  if (only === undefined) return [...all];
  const selected = all.filter(({ pipeline }) => pipeline.name === only);
  if (selected.length === 0) {
    throw new Error(
      `no pipeline named "${only}" (available: ${all.map(({ pipeline }) => pipeline.name).join(', ') || 'none'})`,
    );
  }
  return selected;
}
