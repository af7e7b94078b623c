/**
 * Where the pipeline may read and write: with `VLMFLOW_ALLOWED_ROOTS` set (a comma-separated
 * list of URIs or paths: `s3://data-bucket/,s3://models/connectors,/mnt/shards`), every
 * storage operation and every model URI must lie under one of them. A run input pointing a
 * source (or an operator's model) at another bucket or folder then fails with a message that
 * names the URI and the roots, instead of reading or overwriting it. Unset: no restriction
 * (local runs, tests); the CDK stack sets it to the data bucket and the input locations.
 */
import { normaliseUri } from '../../core/uri';

export const ALLOWED_ROOTS_ENV = 'VLMFLOW_ALLOWED_ROOTS';

export class UriNotAllowedError extends Error {
  override readonly name = 'UriNotAllowedError';
}

let cached: { readonly raw: string; readonly roots: readonly string[] } | undefined;

/** The configured roots, normalised, each ending in `/`; undefined when unrestricted. */
export function allowedRoots(env: NodeJS.ProcessEnv = process.env): readonly string[] | undefined {
  const raw = env[ALLOWED_ROOTS_ENV]?.trim();
  if (!raw) return undefined;
  if (cached?.raw !== raw) {
    const roots = raw
      .split(',')
      .map((root) => root.trim())
      .filter((root) => root !== '')
      .map((root) => {
        const uri = normaliseUri(root);
        return uri.endsWith('/') ? uri : `${uri}/`;
      });
    cached = { raw, roots };
  }
  return cached.roots;
}

/** Whether the URI (an object or a prefix) lies under an allowed root. */
export function isAllowedUri(uri: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const roots = allowedRoots(env);
  if (!roots) return true;
  const normalised = normaliseUri(uri);
  // `s3://bucket/data` is the root `s3://bucket/data/` itself; `s3://bucket/database` is not.
  return roots.some((root) => normalised === root.slice(0, -1) || normalised.startsWith(root));
}

/** Throws UriNotAllowedError unless the URI lies under an allowed root. */
export function assertAllowedUri(
  uri: string,
  what: 'storage' | 'model' = 'storage',
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (isAllowedUri(uri, env)) return;
  throw new UriNotAllowedError(
    `${what} URI ${uri} is outside the allowed roots (${ALLOWED_ROOTS_ENV}=${(allowedRoots(env) ?? []).join(',')})`,
  );
}
