import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { isPipeline, type Pipeline } from '../dsl';

/** vlmflow's own example pipelines: this package's pipelines/. */
export const PACKAGE_PIPELINES_DIR = resolve(__dirname, '..', '..', 'pipelines');

/**
 * Where a command finds pipelines by name: `pipelines/` of the folder it runs in (a project of
 * its own, or this repository), else vlmflow's own examples.
 */
export function pipelinesDir(cwd = process.cwd()): string {
  const own = join(cwd, 'pipelines');
  return existsSync(own) ? own : PACKAGE_PIPELINES_DIR;
}

export interface LoadedPipeline {
  readonly pipeline: Pipeline;
  /** Absolute path of the module whose default export it is (workers and Lambda entries import it). */
  readonly modulePath: string;
}

export function loadPipelineModule(modulePath: string): LoadedPipeline {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(modulePath) as { default?: unknown };
  if (!isPipeline(mod.default)) {
    throw new Error(
      `${modulePath}: the default export is not a pipeline (export default pipeline('name', ...))`,
    );
  }
  return { pipeline: mod.default, modulePath };
}

/** Every pipeline in a folder, by file name order. */
export function listPipelineFiles(dir = pipelinesDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => join(dir, f));
}

/** A pipeline by name (from the pipelines folder) or by path to its file. */
export function findPipeline(nameOrPath: string, dir = pipelinesDir()): LoadedPipeline {
  const asPath = isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath);
  if (/\.[cm]?[jt]s$/.test(nameOrPath) && existsSync(asPath)) return loadPipelineModule(asPath);
  const byFile = join(dir, `${nameOrPath}.ts`);
  if (existsSync(byFile)) return loadPipelineModule(byFile);
  const all = listPipelineFiles(dir).map(loadPipelineModule);
  const found = all.find((p) => p.pipeline.name === nameOrPath);
  if (!found) {
    throw new Error(
      `no pipeline "${nameOrPath}" in ${dir} (known: ${all.map((p) => p.pipeline.name).join(', ') || 'none'})`,
    );
  }
  return found;
}
