/**
 * The files of onnxruntime-node a Lambda on one platform loads, picked one by one.
 *
 * Why not the dependency walk of native-modules.ts: onnxruntime-node is one package holding
 * every platform's binaries (288 MB: darwin, win32 with DirectML, linux arm64 and x64), not a
 * package per platform as sharp's `@img/sharp-<os>-<cpu>`, so walking packages would ship all
 * of them. Its runtime needs `dist/` (which requires
 * `../bin/napi-v<N>/<platform>/<arch>/onnxruntime_binding.node`), that folder (the binding and
 * the `libonnxruntime.so.1` it links against) and onnxruntime-common; its other dependencies
 * (adm-zip, global-agent) serve only the install script that downloads GPU providers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolvePackageDir, type TargetPlatform } from './native-modules';

export const ONNXRUNTIME_PACKAGE = 'onnxruntime-node';

/** The binary every platform folder holds; dist/binding.js requires it by this name. */
export const ONNXRUNTIME_BINDING = 'onnxruntime_binding.node';

interface OnnxruntimePackageJson {
  readonly binary?: { readonly napi_versions?: readonly number[] };
}

/**
 * Paths (relative to `projectRoot`; files or folders) to copy beside the bundle so that
 * `require('onnxruntime-node')` works on `platform`, and nothing for any other platform.
 * Throws, naming the folder, when the platform's binding is not installed.
 */
export function onnxruntimeRuntimePaths(projectRoot: string, platform: TargetPlatform): string[] {
  const packageDir = resolvePackageDir(ONNXRUNTIME_PACKAGE, projectRoot, projectRoot);
  if (!packageDir) throw new Error(`package "${ONNXRUNTIME_PACKAGE}" is not installed`);
  const pkg = JSON.parse(
    fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'),
  ) as OnnxruntimePackageJson;
  const napi = Math.max(...(pkg.binary?.napi_versions ?? [6]));
  const binaryDir = path.join(packageDir, 'bin', `napi-v${napi}`, platform.os, platform.cpu);
  if (!fs.existsSync(path.join(binaryDir, ONNXRUNTIME_BINDING))) {
    throw new Error(
      `${path.relative(projectRoot, binaryDir)}/${ONNXRUNTIME_BINDING} is missing, so the Lambda ` +
        `(${platform.os}-${platform.cpu}) could not load ${ONNXRUNTIME_PACKAGE}; reinstall it (npm ci)`,
    );
  }
  const common = resolvePackageDir('onnxruntime-common', packageDir, projectRoot);
  if (!common)
    throw new Error(`package "onnxruntime-common" (needed by onnxruntime-node) is not installed`);
  return [
    path.join(packageDir, 'package.json'),
    path.join(packageDir, 'dist'),
    binaryDir,
    common,
  ].map((p) => path.relative(projectRoot, p));
}
