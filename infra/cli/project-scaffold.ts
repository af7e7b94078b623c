/**
 * `vlmflow init <dir>`: a project of its own that depends on vlmflow — package.json, tsconfig,
 * cdk.json (its app is `vlmflow cdk-app`, so `cdk synth`/`cdk deploy` find the project's
 * pipelines/), a pipeline with a custom operator, sample data and a test. The files are
 * templates/project/ of this package (type-checked and linted with it), with the pipeline's
 * name put in; package.json and the sample pictures are written here.
 */
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import validatePackageName from 'validate-npm-package-name';
import { checkName } from '../dsl/names';
import { writeSamplePairs } from './sample-pairs';
import vlmflowPackage from '../../package.json';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const TEMPLATE_DIR = path.join(PACKAGE_ROOT, 'templates', 'project');
/** The pipeline name the templates are written with; replaced by the project's. */
const TEMPLATE_PIPELINE = 'my-pipeline';
/** npm leaves `.gitignore` and `.npmrc` out of published packages: the template drops the dot. */
const RENAMED = new Map([
  ['gitignore', '.gitignore'],
  ['npmrc', '.npmrc'],
]);
export const SAMPLE_DATA_DIR = path.join('sample-data', 'pairs');

export interface InitOptions {
  /** npm package name. @default the folder's name */
  readonly name?: string;
  /** @default derived from the package name */
  readonly pipeline?: string;
  /** A vlmflow checkout or `npm pack` tarball to depend on (`file:`). @default see vlmflowDependency */
  readonly from?: string;
  /** Write into a folder that is not empty. */
  readonly force?: boolean;
}

export interface InitResult {
  readonly dir: string;
  readonly name: string;
  readonly pipeline: string;
  /** The package.json spec of the vlmflow dependency. */
  readonly dependency: string;
}

export async function initProject(dirArg: string, options: InitOptions): Promise<InitResult> {
  const dir = path.resolve(dirArg);
  checkTargetFolder(dir, options.force === true);
  const name = options.name ?? path.basename(dir);
  checkPackageName(name);
  const pipeline = options.pipeline ?? pipelineNameOf(name);
  checkName('pipeline', pipeline, options.pipeline ? '--pipeline' : `pipeline name from "${name}"`);
  const dependency = vlmflowDependency(dir, options.from);

  for (const template of await templateFiles()) {
    const relative = path
      .relative(TEMPLATE_DIR, template)
      .split(path.sep)
      .map((part) => RENAMED.get(part) ?? part.replaceAll(TEMPLATE_PIPELINE, pipeline))
      .join(path.sep);
    const text = (await readFile(template, 'utf8')).replaceAll(TEMPLATE_PIPELINE, pipeline);
    await writeInto(dir, relative, text);
  }
  await writeInto(dir, 'package.json', packageJson(name, pipeline, dependency));
  await writeSamplePairs(path.join(dir, SAMPLE_DATA_DIR));
  return { dir, name, pipeline, dependency };
}

function checkTargetFolder(dir: string, force: boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new Error(`${dir} exists and is not a folder`);
  const entries = readdirSync(dir);
  if (entries.length > 0 && !force) {
    const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? ', …' : '');
    throw new Error(
      `${dir} is not empty (${shown}): choose a new folder, or pass --force to write into it (files of the same name are replaced)`,
    );
  }
}

function checkPackageName(name: string): void {
  const result = validatePackageName(name);
  if (result.validForNewPackages) return;
  const problems = [...(result.errors ?? []), ...(result.warnings ?? [])];
  throw new Error(
    `"${name}" is not a valid npm package name (${problems.join('; ')}): pass --name <name>`,
  );
}

/** `@scope/My_Project` → `my-project`: the DSL's pipeline-name rule, checked after. */
export function pipelineNameOf(packageName: string): string {
  return packageName
    .replace(/^@[^/]+\//, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

/**
 * How the project depends on vlmflow. `--from <checkout>`, or this vlmflow when it runs from a
 * checkout: a `file:` dependency (npm links the folder; its own node_modules serve vlmflow's
 * dependencies). `--from <vlmflow-x.y.z.tgz>`: npm installs the tarball and vlmflow's
 * dependencies into the project. A vlmflow installed under node_modules came from a registry:
 * `^<version>`.
 */
export function vlmflowDependency(projectDir: string, from: string | undefined): string {
  if (from !== undefined) return `file:${path.relative(projectDir, checkedFrom(from)) || '.'}`;
  const root = realpathSync(PACKAGE_ROOT);
  if (root.split(path.sep).includes('node_modules')) return `^${vlmflowPackage.version}`;
  return `file:${path.relative(projectDir, root)}`;
}

/**
 * The project's package.json. Its tools are devDependencies at the versions vlmflow is tested
 * with: Node 24 (the `node` package: npm scripts, npx and so vlmflow and the CDK app run on it,
 * whatever Node the system has), TypeScript, tsx (the test runner's loader), the CDK CLI, and
 * esbuild, with which `cdk deploy` bundles the Lambda functions (without it, CDK bundles in
 * Docker), and the IAM evaluator `--as-deployed` loads (@cloud-copilot/iam-simulate: AGPL-3.0,
 * so a devDependency of vlmflow, not installed with it; docs/deploy.md).
 */
function packageJson(name: string, pipeline: string, dependency: string): string {
  const versions: Record<string, string> = {
    ...vlmflowPackage.devDependencies,
    ...vlmflowPackage.dependencies,
  };
  const tools = [
    '@cloud-copilot/iam-simulate',
    '@types/node',
    'aws-cdk',
    'esbuild',
    'node',
    'tsx',
    'typescript',
  ];
  return `${JSON.stringify(
    {
      name,
      version: '0.1.0',
      private: true,
      description: `vlmflow pipelines: ${pipeline}`,
      engines: { node: vlmflowPackage.engines.node },
      scripts: {
        sample: `vlmflow run ${pipeline} --local --input ${SAMPLE_DATA_DIR.split(path.sep).join('/')}`,
        test: 'node --import tsx --test "test/**/*.test.ts"',
        typecheck: 'tsc --noEmit',
        synth: 'cdk synth',
        deploy: 'cdk deploy',
      },
      dependencies: { vlmflow: dependency },
      devDependencies: Object.fromEntries(tools.map((tool) => [tool, versions[tool]])),
    },
    null,
    2,
  )}\n`;
}

/** `--from`: a vlmflow checkout, or the tarball `npm pack` writes from one; its real path. */
function checkedFrom(from: string): string {
  const resolved = path.resolve(from);
  if (/^vlmflow-\d+\.\d+\.\d+.*\.tgz$/.test(path.basename(resolved)) && existsSync(resolved))
    return realpathSync(resolved);
  const manifest = path.join(resolved, 'package.json');
  const name: unknown = existsSync(manifest)
    ? (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name
    : undefined;
  if (name !== vlmflowPackage.name)
    throw new Error(
      `--from ${from}: expected a vlmflow checkout (a folder whose package.json is named "vlmflow") or the vlmflow-<version>.tgz that npm pack writes`,
    );
  return realpathSync(resolved);
}

async function templateFiles(): Promise<string[]> {
  const entries = await readdir(TEMPLATE_DIR, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

async function writeInto(dir: string, relative: string, text: string): Promise<void> {
  const file = path.join(dir, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}
