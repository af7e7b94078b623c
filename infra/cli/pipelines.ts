import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { isPipeline, type Pipeline } from '../dsl';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const PIPELINES_DIR = join(REPO_ROOT, 'pipelines');

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

/** Every pipeline in pipelines/, by file name order. */
export function listPipelineFiles(dir = PIPELINES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => join(dir, f));
}

/** A pipeline by name (from pipelines/) or by path to its file. */
export function findPipeline(nameOrPath: string, dir = PIPELINES_DIR): LoadedPipeline {
  const asPath = isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath);
  if (/\.[cm]?[jt]s$/.test(nameOrPath) && existsSync(asPath)) return loadPipelineModule(asPath);
  const byFile = join(dir, `${nameOrPath}.ts`);
  if (existsSync(byFile)) return loadPipelineModule(byFile);
  const all = listPipelineFiles(dir).map(loadPipelineModule);
  const found = all.find((p) => p.pipeline.name === nameOrPath);
  if (!found) {
    throw new Error(
      `no pipeline "${nameOrPath}" (known: ${all.map((p) => p.pipeline.name).join(', ') || 'none'})`,
    );
  }
  return found;
}
