/** moto's server (`pip install 'moto[server]'`), started on a free port for one test file. */
import { execFileSync, spawn } from 'node:child_process';
import * as net from 'node:net';

export const motoInstalled = (() => {
  try {
    execFileSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export interface MotoServer {
  readonly endpoint: string;
  stop(): void;
}

export async function startMoto(timeoutMs = 20_000): Promise<MotoServer> {
  const port = await freePort();
  const moto = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  try {
    await waitForPort(port, timeoutMs);
  } catch (error) {
    moto.kill();
    throw error;
  }
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => moto.kill() };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(!!socket.end()));
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`moto server did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
