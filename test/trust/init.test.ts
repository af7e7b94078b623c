/**
 * `vlmflow init`, through bin/vlmflow as a user runs it: the project it makes type-checks,
 * synthesizes its own pipeline with the CDK app its cdk.json names, runs on its sample data and
 * passes its own test. npm install is stood in for without downloading anything: each package
 * the scaffold's package.json names is linked from this checkout (vlmflow to the checkout
 * itself, as npm links a `file:` dependency; the tools to the checkout's node_modules), with
 * the node_modules/.bin links npm makes from their `bin` fields.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CLI, ROOT } from '../helpers/cli';
import type { RunSummary } from '../../core/contracts';

const execFileAsync = promisify(execFile);
async function exec(
  file: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
) {
  return execFileAsync(file, [...args], { cwd, env, maxBuffer: 16 << 20 });
}

/** A command expected to fail: its exit code and stderr. */
async function failing(args: readonly string[], cwd: string) {
  try {
    await exec(CLI, args, cwd);
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
  throw new Error(`vlmflow ${args.join(' ')} succeeded`);
}

interface PackageManifest {
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
  readonly bin?: string | Record<string, string>;
  readonly name: string;
}

/** What `npm install` would put in node_modules, linked from this checkout. */
async function linkDependencies(project: string): Promise<PackageManifest> {
  const manifest = JSON.parse(
    await readFile(path.join(project, 'package.json'), 'utf8'),
  ) as PackageManifest;
  await mkdir(path.join(project, 'node_modules', '.bin'), { recursive: true });
  const names = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)];
  for (const name of names) {
    const target = name === 'vlmflow' ? ROOT : path.join(ROOT, 'node_modules', name);
    const link = path.join(project, 'node_modules', name);
    await mkdir(path.dirname(link), { recursive: true });
    await symlink(target, link, 'dir');
    const { bin } = JSON.parse(
      readFileSync(path.join(target, 'package.json'), 'utf8'),
    ) as PackageManifest;
    const bins = typeof bin === 'string' ? { [name.replace(/^@[^/]+\//, '')]: bin } : (bin ?? {});
    for (const [command, file] of Object.entries(bins))
      await symlink(path.join(link, file), path.join(project, 'node_modules', '.bin', command));
  }
  return manifest;
}

describe('vlmflow init', () => {
  let dir: string;
  let project: string;
  let initOutput: string;
  let manifest: PackageManifest;
  let notEmpty: { code: number; stderr: string };
  let help: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-init-'));
    project = path.join(dir, 'my-project');
    await mkdir(project);
    await writeFile(path.join(project, 'notes.txt'), 'mine\n');
    [notEmpty, help] = await Promise.all([
      failing(['init', 'my-project'], dir),
      exec(CLI, ['--help'], dir).then((r) => r.stdout),
    ]);
    initOutput = (await exec(CLI, ['init', 'my-project', '--force'], dir)).stdout;
    manifest = await linkDependencies(project);
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is listed in --help and refuses a folder that is not empty', () => {
    expect(help).toMatch(/^ {2}init \[options\] <dir> +make a project of your own/m);
    expect(notEmpty).toEqual({
      code: 1,
      stderr: `vlmflow: ${project} is not empty (notes.txt): choose a new folder, or pass --force to write into it (files of the same name are replaced)\n`,
    });
  });

  it('writes the project, keeps what was there with --force, and prints next steps', async () => {
    expect(await readFile(path.join(project, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect((await readdir(project)).sort()).toEqual(
      [
        '.gitignore',
        '.npmrc',
        'README.md',
        'cdk.json',
        'node_modules',
        'notes.txt',
        'operators',
        'package.json',
        'pipelines',
        'sample-data',
        'test',
        'tsconfig.json',
      ].sort(),
    );
    expect(existsSync(path.join(project, 'pipelines', 'my-project.ts'))).toBe(true);
    // Depends on this checkout: npm links a file: dependency.
    expect(manifest.dependencies).toEqual({
      vlmflow: `file:${path.relative(project, realpathSync(ROOT))}`,
    });
    expect(initOutput).toContain('npx vlmflow run my-project --local --input sample-data/pairs');
    expect(initOutput).toContain('npx cdk deploy');
  });

  it('type-checks', async () => {
    await exec(path.join(project, 'node_modules', '.bin', 'tsc'), ['--noEmit'], project);
  });

  it("synthesizes the project's pipeline, not the repository's, with the app cdk.json names", async () => {
    const outdir = path.join(project, 'cdk.out');
    const { app } = JSON.parse(await readFile(path.join(project, 'cdk.json'), 'utf8')) as {
      app: string;
    };
    // As the CDK CLI runs the app: in the project's folder, context and output folder through
    // the environment (bundling off: the CLI refuses aws: context keys, and bundling is
    // covered by test/cdk/assets.test.ts).
    await exec('/bin/sh', ['-c', app], project, {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }),
    });
    const templates = (await readdir(outdir)).filter((f) => f.endsWith('.template.json'));
    expect(templates).toEqual(['vlmflow-my-project.template.json']);
    const template = JSON.parse(await readFile(path.join(outdir, templates[0] ?? ''), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const machines = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::StepFunctions::StateMachine',
    );
    expect(machines).toHaveLength(1);
    expect(machines[0]?.Properties.StateMachineName).toBe('vlmflow-my-project');
  });

  it('runs locally on its sample data: each case rejected by its operator', async () => {
    const { stdout } = await exec(
      path.join(project, 'node_modules', '.bin', 'vlmflow'),
      ['run', 'my-project', '--local', '--input', 'sample-data/pairs', '--run-id', 'r1', '--json'],
      project,
    );
    const summary = JSON.parse(stdout) as RunSummary;
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.stages.pairs).toEqual({
      in: 11,
      kept: 6,
      rejected: {
        'image.decode:not_an_image': 1,
        'image.size:bad_aspect_ratio': 1,
        'image.size:too_small': 1,
        'project.caption-blocklist:blocked_word': 1,
        'text.length:too_short': 1,
      },
    });
  });

  it('passes its own test, on its own Node 24 whatever Node is first on PATH', async () => {
    // No node_modules/.bin of this checkout on PATH: npm puts the project's own first.
    const PATH = (process.env.PATH ?? '')
      .split(path.delimiter)
      .filter((dir) => !dir.includes('node_modules'))
      .join(path.delimiter);
    const { stdout } = await exec('npm', ['test'], project, { ...process.env, PATH });
    expect(stdout).toMatch(/^ℹ pass 2$/m);
    expect(stdout).toMatch(/^ℹ fail 0$/m);
  });
});
