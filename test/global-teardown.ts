/** Stops the S3 server that global-setup.ts started (if it started one). */
export default async function globalTeardown(): Promise<void> {
  const child = globalThis.vlmflowS3Server;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  globalThis.vlmflowS3Server = undefined;
}
