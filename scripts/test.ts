/**
 * `npm test`: does the test set-up a fresh machine needs, then type-checks and runs jest and
 * pytest. The Python packages go into the project's own virtual environment (.vlmflow/venv,
 * made with --system-site-packages so an installed PyTorch is reused), which is put first on
 * PATH for every test process. Extra arguments go to jest (`npm test -- test/dsl`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ensurePython } from '../infra/local/python-env';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'node_modules', '.bin');

function step(title: string, command: string, args: string[], env: NodeJS.ProcessEnv): void {
  console.error(`\n▶ ${title}`);
  const result = spawnSync(command, args, { cwd: ROOT, env, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Debian's chromium for the report test; installed when we may (root), explained otherwise. */
function ensureChromium(env: NodeJS.ProcessEnv): void {
  const executable = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(executable)) return;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    step(
      'installing chromium (apt)',
      'apt-get',
      ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
      {
        ...env,
        DEBIAN_FRONTEND: 'noninteractive',
      },
    );
    if (existsSync(executable)) return;
    step('apt-get update', 'apt-get', ['update', '-qq'], env);
    step(
      'installing chromium (apt)',
      'apt-get',
      ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
      {
        ...env,
        DEBIAN_FRONTEND: 'noninteractive',
      },
    );
    return;
  }
  console.error(
    `no Chromium at ${executable}: install Debian's chromium (sudo apt-get install chromium) or set CHROMIUM_PATH`,
  );
  process.exit(1);
}

async function main(): Promise<void> {
  const python = await ensurePython({
    requirements: path.join(ROOT, 'requirements-test.txt'),
    log: (line) => console.error(line),
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [path.dirname(python), BIN, process.env.PATH].join(path.delimiter),
    VLMFLOW_PYTHON: process.env.VLMFLOW_PYTHON ?? python,
    OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1',
  };
  ensureChromium(env);
  step('type check', path.join(BIN, 'tsc'), ['--noEmit', '-p', '.'], env);
  step('jest', path.join(BIN, 'jest'), process.argv.slice(2), env);
  if (process.argv.length <= 2) {
    step('pytest', python, ['-m', 'pytest', '-q', 'test/python', 'gpu-jobs/resampler/tests'], env);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
