/**
 * `npm run -s python -- <args>`: the training job's Python (the project's `.vlmflow/venv`, made on
 * first use by `ensurePython`, or `VLMFLOW_PYTHON`) with `gpu-jobs/resampler` on its path, so that
 * `-m resampler.<module>` works from the repository root on a fresh machine without a
 * system-wide PyTorch.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ensurePython } from '../infra/local/python-env';

const JOB_DIR = path.resolve(__dirname, '..', 'gpu-jobs', 'resampler');

async function main(): Promise<number> {
  const python = await ensurePython({ log: (line) => console.error(line) });
  const pythonPath = [JOB_DIR, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  const result = spawnSync(python, process.argv.slice(2), {
    stdio: 'inherit',
    env: { ...process.env, PYTHONPATH: pythonPath },
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
