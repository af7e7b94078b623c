/**
 * Node 24 loads ES modules with require(), and callers use a literal `require('pkg')` so that
 * the CDK bundle keeps or bundles it. jest's CommonJS module registry refuses ES modules without
 * --experimental-vm-modules; Node's own loader (the one require() uses outside jest) does not,
 * so that is the fallback.
 */
export function loadEsModuleWithNode<T>(resolvedPath: string): T {
  const nodeModule = process.getBuiltinModule('node:module') as unknown as {
    Module: { _load(request: string, parent: null, isMain: boolean): unknown };
  };
  return nodeModule.Module._load(resolvedPath, null, false) as T;
}
