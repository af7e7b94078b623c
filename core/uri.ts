/**
 * URIs for everything the pipeline stores: `s3://bucket/key`, `file:///abs/path`, or a plain
 * path (relative paths resolve against the working directory). File URIs are `file://` plus the
 * absolute path, verbatim: no percent-encoding, so a path round-trips unchanged.
 */
import * as path from 'node:path';

/** Bucket name standing for the local file system in Step Functions' {Bucket, Key} locations. */
export const LOCAL_BUCKET = 'vlmflow-local-fs';

export type ParsedUri =
  | { readonly scheme: 's3'; readonly bucket: string; readonly key: string }
  | { readonly scheme: 'file'; readonly path: string };

export class InvalidUriError extends Error {
  override readonly name = 'InvalidUriError';
  constructor(input: string, why: string) {
    super(`invalid URI ${JSON.stringify(input)}: ${why}`);
  }
}

// Lower-case bucket names as S3 spells them (underscores tolerated for legacy buckets; the
// 3-character minimum is left to S3 so that tests may use short names).
const BUCKET_PATTERN = /^[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?$/;
const SCHEME_PATTERN = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

export function parseUri(input: string): ParsedUri {
  if (typeof input !== 'string' || input.length === 0)
    throw new InvalidUriError(String(input), 'empty');
  if (input.includes('\0')) throw new InvalidUriError(input, 'contains a NUL byte');
  const scheme = SCHEME_PATTERN.exec(input)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (input.startsWith('file:'))
      throw new InvalidUriError(input, 'file URIs must look like file:///absolute/path');
    return { scheme: 'file', path: normalisePath(path.resolve(input), input) };
  }
  const rest = input.slice(scheme.length + 3);
  if (scheme === 's3') {
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const key = slash === -1 ? '' : rest.slice(slash + 1);
    if (!BUCKET_PATTERN.test(bucket))
      throw new InvalidUriError(input, `bad bucket name ${JSON.stringify(bucket)}`);
    return { scheme: 's3', bucket, key };
  }
  if (scheme === 'file') {
    const withoutHost = rest.startsWith('localhost/') ? rest.slice('localhost'.length) : rest;
    if (!withoutHost.startsWith('/'))
      throw new InvalidUriError(input, 'file URIs must look like file:///absolute/path');
    return { scheme: 'file', path: normalisePath(withoutHost, input) };
  }
  throw new InvalidUriError(
    input,
    `unsupported scheme ${scheme}:// (use s3://, file:// or a path)`,
  );
}

/** Resolves `.`/`..` and repeated slashes; keeps a trailing slash, which marks a prefix. */
function normalisePath(absolute: string, input: string): string {
  if (!path.isAbsolute(absolute)) throw new InvalidUriError(input, 'not an absolute path');
  const normalised = path.posix.normalize(absolute);
  const trailing = absolute.endsWith('/') || input.endsWith('/');
  return trailing && !normalised.endsWith('/') ? `${normalised}/` : normalised;
}

export function formatUri(parsed: ParsedUri): string {
  return parsed.scheme === 's3' ? `s3://${parsed.bucket}/${parsed.key}` : `file://${parsed.path}`;
}

/** The canonical form of any accepted URI or path. */
export function normaliseUri(input: string): string {
  return formatUri(parseUri(input));
}

export function isS3Uri(input: string): boolean {
  return /^s3:\/\//i.test(input);
}

/**
 * A bare key (`inputs/pairs`): no scheme, not absolute, not `./`-relative. It lies under the
 * data root, so a pipeline's default source works in the deployed bucket and in a local workdir.
 */
export function isBareKey(uri: string): boolean {
  return !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri) && !uri.startsWith('/') && !uri.startsWith('.');
}

/** `file://` URI of a path (relative paths resolve against the working directory). */
export function toFileUri(filePath: string): string {
  const parsed = parseUri(filePath);
  if (parsed.scheme !== 'file') throw new InvalidUriError(filePath, 'expected a file system path');
  return formatUri(parsed);
}

/** The absolute path behind a file URI (or a plain path). */
export function toFilePath(uri: string): string {
  const parsed = parseUri(uri);
  if (parsed.scheme !== 'file') throw new InvalidUriError(uri, 'not a file URI');
  return parsed.path;
}

/**
 * Appends path segments. Parts may hold several segments (`'runs/demo'`); `.`/`..` segments
 * and NUL bytes are refused so that a run id or shard name can never escape its base.
 */
export function joinUri(base: string, ...parts: string[]): string {
  const segments: string[] = [];
  for (const part of parts) {
    if (part.includes('\0')) throw new InvalidUriError(part, 'contains a NUL byte');
    for (const segment of part.split('/')) {
      if (segment === '') continue;
      if (segment === '.' || segment === '..')
        throw new InvalidUriError(part, `"${segment}" segment in a URI part`);
      segments.push(segment);
    }
  }
  const trailing =
    parts.length > 0 && (parts[parts.length - 1] ?? '').endsWith('/') && segments.length > 0;
  const parsed = parseUri(base);
  const head = parsed.scheme === 's3' ? parsed.key : parsed.path;
  const joined = [head.replace(/\/+$/, ''), ...segments].join('/') + (trailing ? '/' : '');
  return parsed.scheme === 's3'
    ? formatUri({ scheme: 's3', bucket: parsed.bucket, key: joined.replace(/^\/+/, '') })
    : formatUri({ scheme: 'file', path: joined.startsWith('/') ? joined : `/${joined}` });
}

/** The URI one level up, without a trailing slash; the root is its own parent. */
export function parentUri(uri: string): string {
  const parsed = parseUri(uri);
  if (parsed.scheme === 's3') {
    const key = parsed.key.replace(/\/+$/, '');
    const slash = key.lastIndexOf('/');
    return formatUri({ ...parsed, key: slash === -1 ? '' : key.slice(0, slash) });
  }
  return formatUri({
    scheme: 'file',
    path: path.posix.dirname(parsed.path.replace(/(.)\/+$/, '$1')),
  });
}

/** The last path segment, ignoring a trailing slash (`''` for a bucket or file system root). */
export function basename(uri: string): string {
  const parsed = parseUri(uri);
  const full = (parsed.scheme === 's3' ? parsed.key : parsed.path).replace(/\/+$/, '');
  return full.slice(full.lastIndexOf('/') + 1);
}

/** {Bucket, Key} for Step Functions' ItemReader; file URIs use LOCAL_BUCKET and the absolute path. */
export function toLocation(uri: string): { Bucket: string; Key: string } {
  const parsed = parseUri(uri);
  return parsed.scheme === 's3'
    ? { Bucket: parsed.bucket, Key: parsed.key }
    : { Bucket: LOCAL_BUCKET, Key: parsed.path };
}

/** {Bucket, Prefix} for Step Functions' ResultWriter. */
export function toPrefixLocation(uri: string): { Bucket: string; Prefix: string } {
  const { Bucket, Key } = toLocation(uri);
  return { Bucket, Prefix: Key };
}

export function fromLocation(bucket: string, key: string): string {
  if (bucket === LOCAL_BUCKET) {
    if (!key.startsWith('/'))
      throw new InvalidUriError(key, `keys in ${LOCAL_BUCKET} must be absolute paths`);
    return normaliseUri(`file://${key}`);
  }
  return normaliseUri(`s3://${bucket}/${key}`);
}
