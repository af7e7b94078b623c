/**
 * Native npm packages (sharp) shipped beside a bundled Lambda handler, copied from this
 * checkout's node_modules instead of `npm install`ed into the asset.
 *
 * Why not NodejsFunction's `nodeModules`: it runs `npm ci` in the asset folder at synth time,
 * which needs the registry (synth must work offline) and resolves sharp's platform package for
 * the synth machine anyway. Copying the installed packages is offline, exact (the versions the
 * tests ran against) and fails with a clear message when the Lambda platform's binary is absent.
 * The dependency walk is hand-written (a few lines of Node's lookup rules) because no file
 * tracer such as @vercel/nft is installed here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The platform Lambda runs the handler on (x86_64 Amazon Linux: glibc). */
export interface TargetPlatform {
  readonly os: string;
  readonly cpu: string;
  readonly libc: string;
}

export const LAMBDA_X86_64: TargetPlatform = { os: 'linux', cpu: 'x64', libc: 'glibc' };
/** Graviton: sharp ships `@img/sharp-linux-arm64`, onnxruntime-node a linux/arm64 binding. */
export const LAMBDA_ARM64: TargetPlatform = { os: 'linux', cpu: 'arm64', libc: 'glibc' };

/** Lambda's architecture names (`vlmflow:architecture`) and the platform each runs on. */
export const LAMBDA_PLATFORMS = { x86_64: LAMBDA_X86_64, arm64: LAMBDA_ARM64 } as const;
export type LambdaArchitectureName = keyof typeof LAMBDA_PLATFORMS;

interface PackageJson {
  readonly name: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly os?: readonly string[];
  readonly cpu?: readonly string[];
  readonly libc?: readonly string[];
}

/**
 * Directories (relative to `projectRoot`, e.g. `node_modules/@img/sharp-linux-x64`) of `root`
 * and every package it needs at runtime on `platform`: its dependencies and those optional
 * dependencies that are installed and built for that platform.
 */
export function runtimePackageDirs(
  projectRoot: string,
  root: string,
  platform: TargetPlatform,
): string[] {
  const found = new Set<string>();
  const visit = (name: string, fromDir: string, optional: boolean): void => {
    const dir = resolvePackageDir(name, fromDir, projectRoot);
    if (!dir) {
      if (optional) return;
      throw new Error(
        `package "${name}" (needed by ${path.relative(projectRoot, fromDir) || 'the handler'}) is not installed`,
      );
    }
    if (found.has(dir)) return;
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
    if (!runsOn(pkg, platform)) return;
    found.add(dir);
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  visit(root, projectRoot, false);
  return [...found].map((dir) => path.relative(projectRoot, dir)).sort();
}

/**
 * Checks that the platform-specific binary packages of `root` made it in; sharp loads
 * `@img/sharp-<os>-<cpu>` at runtime and fails at cold start without it.
 */
export function assertPlatformBinary(
  dirs: readonly string[],
  binaryPackage: string,
  platform: TargetPlatform,
  installs = 'sharp',
): void {
  if (!dirs.some((dir) => dir.endsWith(path.join('node_modules', binaryPackage)))) {
    throw new Error(
      `${binaryPackage} is not installed in node_modules, so the Lambda (${platform.os}-${platform.cpu}) could not load it; ` +
        `install it with: npm install --os=${platform.os} --cpu=${platform.cpu} --libc=${platform.libc} ${installs}`,
    );
  }
}

/**
 * The native binaries a bundle needs on the Lambda platform, whatever the host that bundles:
 * npm installs only the host's optional platform packages, so a bundle made on a Mac would
 * otherwise ship darwin binaries (or none) without a word.
 */
export const PLATFORM_BINARIES = [
  { module: 'sharp', binary: (p: TargetPlatform) => `@img/sharp-${p.os}-${p.cpu}` },
  {
    // PDF.js renders pages with @napi-rs/canvas, an optional dependency it loads at runtime.
    module: 'pdfjs-dist',
    binary: (p: TargetPlatform) =>
      `@napi-rs/canvas-${p.os}-${p.cpu}-${p.libc === 'glibc' ? 'gnu' : p.libc}`,
    installs: '@napi-rs/canvas',
  },
] as const;

/** The runtime closure of `module` on the platform, after checking its binary is in it. */
export function platformRuntimeDirs(
  projectRoot: string,
  module: (typeof PLATFORM_BINARIES)[number]['module'],
  platform: TargetPlatform,
): string[] {
  const entry = PLATFORM_BINARIES.find((b) => b.module === module);
  const dirs = runtimePackageDirs(projectRoot, module, platform);
  if (entry)
    assertPlatformBinary(
      dirs,
      entry.binary(platform),
      platform,
      'installs' in entry ? entry.installs : module,
    );
  return dirs;
}

/**
 * Shell commands (run after esbuild, in the bundling shell) that copy `paths` (folders or
 * single files, relative to `projectRoot`) to the same relative paths in the asset. They only
 * copy when the bundle actually loads `moduleName` (require or dynamic import), so a handler
 * that never loads it does not carry its megabytes.
 */
export function copyCommandsIfRequired(
  projectRoot: string,
  paths: readonly string[],
  moduleName: string,
  outputDir: string,
): string[] {
  const bundle = shellQuote(path.join(outputDir, 'index.js'));
  const copies = paths.map((relative) => {
    const source = path.join(projectRoot, relative);
    const target = path.join(outputDir, relative);
    return fs.statSync(source).isDirectory()
      ? `mkdir -p ${shellQuote(target)} && cp -R ${shellQuote(source)}/. ${shellQuote(target)}/`
      : `mkdir -p ${shellQuote(path.dirname(target))} && cp ${shellQuote(source)} ${shellQuote(target)}`;
  });
  // `require("m")` for static imports; `import("m")` is how esbuild keeps a lazy `await import()`.
  const loads = `(require|import)\\("${moduleName.replace(/[.]/g, '\\.')}"\\)`;
  return [`if grep -qE '${loads}' ${bundle}; then ${copies.join(' && ')}; fi`];
}

/** Node's lookup: `<dir>/node_modules/<name>`, then each parent's, never above the project. */
export function resolvePackageDir(
  name: string,
  fromDir: string,
  projectRoot: string,
): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === projectRoot || path.dirname(dir) === dir) return undefined;
  }
}

function runsOn(pkg: PackageJson, platform: TargetPlatform): boolean {
  // npm semantics: a list of allowed values, or of `!excluded` ones; absent = any.
  const allows = (list: readonly string[] | undefined, value: string): boolean => {
    if (list === undefined) return true;
    if (list.includes(`!${value}`)) return false;
    const allowed = list.filter((entry) => !entry.startsWith('!'));
    return allowed.length === 0 || allowed.includes(value);
  };
  return (
    allows(pkg.os, platform.os) && allows(pkg.cpu, platform.cpu) && allows(pkg.libc, platform.libc)
  );
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
