/**
 * Why a URL-list row did not become a sample: the download step's literal reasons, counted as
 * `download:<reason>` like any operator's (docs/sources.md).
 */
export const DOWNLOAD_REASONS = {
  /** No URL in the row, or not an absolute http(s) URL. */
  bad_url: 'bad_url',
  /** The host (or a redirect's) resolves to a loopback, private or link-local address. */
  private_address: 'private_address',
  dns: 'dns',
  tls: 'tls',
  /** Refused, reset or closed early. */
  connection: 'connection',
  timeout: 'timeout',
  too_many_redirects: 'too_many_redirects',
  http_403: 'http_403',
  http_404: 'http_404',
  http_410: 'http_410',
  http_429: 'http_429',
  /** Another 4xx status. */
  http_4xx: 'http_4xx',
  http_5xx: 'http_5xx',
  /** Another non-2xx status (1xx, 3xx without Location). */
  http_other: 'http_other',
  too_large: 'too_large',
  empty: 'empty',
  /** The bytes are not JPEG, PNG, WebP or GIF, whatever Content-Type said. */
  not_an_image: 'not_an_image',
  /** X-Robots-Tag carries a directive listed in `rejectDirectives`. */
  robots_noai: 'robots_noai',
} as const;
export type DownloadReason = (typeof DOWNLOAD_REASONS)[keyof typeof DOWNLOAD_REASONS];

/** The reader that names these rejects. */
export const DOWNLOAD_OP = 'download';

export function httpReason(status: number): DownloadReason {
  if (status === 403) return 'http_403';
  if (status === 404) return 'http_404';
  if (status === 410) return 'http_410';
  if (status === 429) return 'http_429';
  if (status >= 400 && status < 500) return 'http_4xx';
  if (status >= 500 && status < 600) return 'http_5xx';
  return 'http_other';
}

/** Failures worth another attempt after a backoff. */
export function isTransient(reason: DownloadReason): boolean {
  return (
    reason === 'timeout' ||
    reason === 'connection' ||
    reason === 'http_429' ||
    reason === 'http_5xx'
  );
}
