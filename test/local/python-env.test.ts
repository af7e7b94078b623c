import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ensurePython, isPythonCommand, TORCH_DOWNLOAD_NOTICE } from '../../infra/local/python-env';

const run = promisify(execFile);

describe('the training job Python environment', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-pyenv-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('uses VLMFLOW_PYTHON as it is', async () => {
    expect(await ensurePython({ env: { VLMFLOW_PYTHON: '/opt/py/bin/python' } })).toBe(
      '/opt/py/bin/python',
    );
  });

  it('creates a venv that sees system packages, stamps it, and reinstalls when requirements change', async () => {
    const venvDir = path.join(dir, 'venv');
    const requirements = path.join(dir, 'requirements.txt');
    await writeFile(requirements, '# nothing to install\n');
    const log: string[] = [];
    const python = await ensurePython({ venvDir, requirements, env: {}, log: (l) => log.push(l) });
    expect(python).toBe(path.join(venvDir, 'bin', 'python'));
    // A venv whose interpreter lacks torch says what pip is about to download.
    const hasTorch = await run(python, ['-c', 'import torch']).then(
      () => true,
      () => false,
    );
    expect(log).toEqual([
      `creating the training job's Python environment in ${venvDir}`,
      ...(hasTorch ? [] : [TORCH_DOWNLOAD_NOTICE]),
      expect.stringContaining(`into ${venvDir}`),
    ]);
    // --system-site-packages: the base interpreter's site-packages are on the venv's path (so
    // an installed PyTorch is reused), whether or not any package is installed there.
    const { stdout } = await run(python, [
      '-c',
      'import json, site, sys; print(json.dumps([sys.prefix, any(p.startswith(sys.base_prefix) for p in site.getsitepackages())]))',
    ]);
    expect(JSON.parse(stdout)).toEqual([venvDir, true]);

    log.length = 0;
    expect(await ensurePython({ venvDir, requirements, env: {}, log: (l) => log.push(l) })).toBe(
      python,
    );
    expect(log).toEqual([]);

    await writeFile(requirements, '# changed\n');
    await ensurePython({ venvDir, requirements, env: {}, log: (l) => log.push(l) });
    expect(log).toEqual([expect.stringContaining('installing')]);
    const stamps = (await readdir(venvDir)).filter((f) => f.startsWith('.requirements-'));
    expect(stamps).toHaveLength(2);
    expect(existsSync(`${venvDir}.lock`)).toBe(false);
  }, 180_000);

  it('recognises python commands', () => {
    expect(['python', 'python3', '/usr/bin/node'].map(isPythonCommand)).toEqual([
      true,
      true,
      false,
    ]);
  });
});
