/**
 * Starts a real S3-compatible server (fauxqs, in-memory) for the storage tests, unless
 * VLMFLOW_TEST_S3_ENDPOINT already names one. The endpoint reaches the test workers through
 * the environment; a failure to start is passed on as VLMFLOW_TEST_S3_ERROR so that the S3
 * tests fail with it (other tests do not need the server and must not fail because of it).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export const S3_ENDPOINT_ENV = 'VLMFLOW_TEST_S3_ENDPOINT';
export const S3_ERROR_ENV = 'VLMFLOW_TEST_S3_ERROR';
const START_TIMEOUT_MS = 20_000;

// Runs in a child process, so the server's event loop and logs stay out of Jest's. The child
// exits when its stdin closes, i.e. when Jest exits, even if teardown never runs.
const SERVER_SCRIPT = `
import('fauxqs').then(async ({ startFauxqs }) => {
  const server = await startFauxqs({ port: 0, logger: false });
  process.stdout.write(JSON.stringify({ port: server.port }) + '\\n');
  process.stdin.on('end', () => server.stop().finally(() => process.exit(0)));
  process.stdin.resume();
}).catch((err) => { console.error(err && err.stack || String(err)); process.exit(1); });
`;

declare global {
  var vlmflowS3Server: ChildProcess | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env[S3_ENDPOINT_ENV]) return;
  try {
    const { child, port } = await startServer();
    globalThis.vlmflowS3Server = child;
    process.env[S3_ENDPOINT_ENV] = `http://127.0.0.1:${port}`;
  } catch (err) {
    process.env[S3_ERROR_ENV] =
      `could not start the fauxqs S3 server: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function startServer(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER_SCRIPT], {
      cwd: `${__dirname}/..`,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(
      () => fail(new Error(`no port after ${START_TIMEOUT_MS} ms; stderr: ${stderr}`)),
      START_TIMEOUT_MS,
    );
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill();
      reject(err);
    };
    child.on('error', fail);
    child.on('exit', (code) =>
      fail(new Error(`server exited with code ${code}; stderr: ${stderr}`)),
    );
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        // Jest may exit without waiting for this child; its closed stdin then stops it.
        child.unref();
        for (const stream of [child.stdin, child.stdout, child.stderr])
          (stream as { unref?: () => void } | null)?.unref?.();
        resolve({ child, port: (JSON.parse(line) as { port: number }).port });
      }
    });
  });
}
