/** Runs the `vlmflow` command the way a user does (bin/vlmflow), for end-to-end tests. */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'bin', 'vlmflow');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Exit code and output; a failing command resolves too, so tests can assert on its message. */
export async function vlmflow(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(CLI, [...args], {
      cwd: ROOT,
      maxBuffer: 16 << 20,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** `vlmflow run <pipeline> --local … --json` arguments, as the end-to-end tests start runs. */
export function localRunArgs(
  pipeline: string,
  run: { input: string; workdir: string; runId: string; params?: readonly string[] },
): string[] {
  return [
    'run',
    pipeline,
    '--local',
    '--input',
    run.input,
    '--workdir',
    run.workdir,
    '--run-id',
    run.runId,
    ...(run.params ?? []).flatMap((p) => ['--param', p]),
    '--json',
  ];
}
