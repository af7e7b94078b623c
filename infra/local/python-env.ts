/**
 * The Python interpreter that runs the training job locally (`python -m resampler.train`).
 * The project creates it on first use, so the README's two set-up commands stay the whole
 * set-up: a virtual environment at `.vlmflow/venv` made with `--system-site-packages` (a
 * PyTorch already installed system-wide is reused instead of downloading ~3 GB again), then
 * `pip install -r gpu-jobs/resampler/requirements.txt`. A stamp file named after the
 * requirements' hash marks it done; changed requirements reinstall. `VLMFLOW_PYTHON`
 * overrides all of it with an interpreter of your own.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const PROJECT_ROOT = path.resolve(__dirname, '../..');

export interface PythonEnvOptions {
  /** Folder of the virtual environment. @default <project>/.vlmflow/venv */
  readonly venvDir?: string;
  /** @default <project>/gpu-jobs/resampler/requirements.txt */
  readonly requirements?: string;
  /** Interpreter that creates the venv. @default python3 */
  readonly basePython?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Progress lines ("creating …"); the CLI sends them to stderr. */
  readonly log?: (line: string) => void;
}

export class PythonEnvError extends Error {
  override readonly name = 'PythonEnvError';
}

const LOCK_STALE_MS = 15 * 60_000;
const LOCK_POLL_MS = 500;

function venvPython(venvDir: string): string {
  return process.platform === 'win32'
    ? path.join(venvDir, 'Scripts', 'python.exe')
    : path.join(venvDir, 'bin', 'python');
}

async function stampName(requirements: string): Promise<string> {
  const text = await readFile(requirements);
  return `.requirements-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

/** Waits for another process's set-up to finish, or takes over a stale lock. */
async function acquireLock(lock: string): Promise<void> {
  for (;;) {
    try {
      await mkdir(lock);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > LOCK_STALE_MS) await rm(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }
}

async function runStep(file: string, args: readonly string[], what: string): Promise<void> {
  try {
    await run(file, [...args], { maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const detail = (err.stderr ?? '').trim().split('\n').slice(-15).join('\n') || err.message;
    throw new PythonEnvError(
      `${what} failed (set VLMFLOW_PYTHON to an interpreter with the job's requirements to skip this):\n${detail}`,
    );
  }
}

/**
 * Said before pip fetches PyTorch (the README's "first run" figures: PyPI's torch 2.15 wheel for
 * Linux x86-64 is 514 MiB and pulls the NVIDIA CUDA 13 libraries; installed, 5.2 GB).
 */
export const TORCH_DOWNLOAD_NOTICE =
  'PyTorch is not installed: pip downloads it now (Linux x86-64: the 514 MiB torch wheel and ' +
  'its NVIDIA CUDA libraries, about 3 GB in all, 5 GB installed; several minutes). To download ' +
  '~200 MB instead, install the CPU build first: ' +
  'pip install torch --index-url https://download.pytorch.org/whl/cpu';

async function canImport(python: string, module: string): Promise<boolean> {
  try {
    await run(python, ['-c', `import ${module}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The interpreter for the training job, creating and filling the venv when needed. Safe to
 * call from several processes at once (a lock folder serialises set-up).
 */
export async function ensurePython(options: PythonEnvOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  if (env.VLMFLOW_PYTHON) return env.VLMFLOW_PYTHON;
  const venvDir = options.venvDir ?? path.join(PROJECT_ROOT, '.vlmflow', 'venv');
  const requirements =
    options.requirements ?? path.join(PROJECT_ROOT, 'gpu-jobs', 'resampler', 'requirements.txt');
  const python = venvPython(venvDir);
  const stamp = path.join(venvDir, await stampName(requirements));
  if (existsSync(stamp) && existsSync(python)) return python;

  await mkdir(path.dirname(venvDir), { recursive: true });
  const lock = `${venvDir}.lock`;
  await acquireLock(lock);
  try {
    if (existsSync(stamp) && existsSync(python)) return python; // another process finished it
    if (!existsSync(python)) {
      options.log?.(`creating the training job's Python environment in ${venvDir}`);
      await runStep(
        options.basePython ?? 'python3',
        ['-m', 'venv', '--system-site-packages', venvDir],
        `creating ${venvDir}`,
      );
    }
    if (!(await canImport(python, 'torch'))) options.log?.(TORCH_DOWNLOAD_NOTICE);
    options.log?.(`installing ${path.relative(PROJECT_ROOT, requirements)} into ${venvDir}`);
    await runStep(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements],
      `pip install -r ${requirements}`,
    );
    await writeFile(stamp, `${new Date().toISOString()}\n`);
    return python;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** `python`/`python3` at the head of a Batch command means the job's interpreter. */
export function isPythonCommand(file: string): boolean {
  return file === 'python' || file === 'python3';
}
