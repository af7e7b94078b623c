/**
 * One image URL → its bytes, or a reason (reasons.ts). http(s) only; redirects followed by hand
 * (capped, each target checked like the first); bytes capped while reading; one deadline per
 * attempt from connecting to the last byte; transient failures retried with exponential backoff
 * and full jitter. undici does the HTTP (its connect hook carries the address guard).
 */
import { Agent, request, type Dispatcher } from 'undici';
import { forbiddenLiteral, guardedLookup, privateNetworkAllowed } from './address-guard';
import { httpReason, isTransient, type DownloadReason } from './reasons';

/** Names the tool to the sites it downloads from, as img2dataset does. */
export const USER_AGENT =
  'vlmflow/0.1 (image-text dataset curation; +https://github.com/vlmflow/vlmflow)';

export interface FetchSettings {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
}

export type FetchResult =
  | {
      readonly ok: true;
      readonly bytes: Buffer;
      readonly status: number;
      /** Where the bytes came from, after redirects. */
      readonly finalUrl: string;
      readonly contentType?: string;
      readonly robots?: string;
      readonly attempts: number;
    }
  | {
      readonly ok: false;
      readonly reason: DownloadReason;
      readonly detail: string;
      readonly status?: number;
      readonly attempts: number;
    };

type Attempt =
  | Omit<Extract<FetchResult, { ok: true }>, 'attempts'>
  | Omit<Extract<FetchResult, { ok: false }>, 'attempts'>;

/** One dispatcher per guard setting, shared by all downloads of a container. */
const agents = new Map<boolean, Agent>();

function agentFor(allowPrivate: boolean): Agent {
  let agent = agents.get(allowPrivate);
  if (!agent) {
    agent = new Agent({
      connections: 64,
      keepAliveTimeout: 4_000,
      connect: allowPrivate ? {} : { lookup: guardedLookup },
    });
    agents.set(allowPrivate, agent);
  }
  return agent;
}

export async function fetchImage(url: string, settings: FetchSettings): Promise<FetchResult> {
  const allowPrivate = privateNetworkAllowed();
  let attempts = 0;
  for (;;) {
    attempts++;
    const result = await fetchOnce(url, settings, agentFor(allowPrivate), allowPrivate);
    if (result.ok || !isTransient(result.reason) || attempts > settings.retries) {
      return { ...result, attempts };
    }
    const ceiling = settings.backoffMs * 2 ** (attempts - 1);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
  }
}

async function fetchOnce(
  firstUrl: string,
  settings: FetchSettings,
  dispatcher: Dispatcher,
  allowPrivate: boolean,
): Promise<Attempt> {
  const signal = AbortSignal.timeout(settings.timeoutMs);
  let url = firstUrl;
  for (let redirects = 0; ; redirects++) {
    const refused = refuseUrl(url, allowPrivate);
    if (refused) return refused;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'GET',
        dispatcher,
        signal,
        headers: { 'user-agent': USER_AGENT, accept: 'image/*,*/*;q=0.5' },
      });
    } catch (error) {
      return failure(error, settings);
    }
    const status = response.statusCode;
    const location = header(response.headers, 'location');
    if (status >= 300 && status < 400 && location !== undefined) {
      await response.body.dump().catch(() => undefined);
      if (redirects >= settings.maxRedirects) {
        return {
          ok: false,
          reason: 'too_many_redirects',
          detail: `more than ${settings.maxRedirects} redirects`,
          status,
        };
      }
      url = new URL(location, url).toString();
      continue;
    }
    if (status < 200 || status >= 300) {
      await response.body.dump().catch(() => undefined);
      return {
        ok: false,
        reason: httpReason(status),
        detail: `HTTP ${status} from ${url}`,
        status,
      };
    }
    return readBody(response, url, settings);
  }
}

async function readBody(
  response: Dispatcher.ResponseData,
  url: string,
  settings: FetchSettings,
): Promise<Attempt> {
  const status = response.statusCode;
  const declared = Number(header(response.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > settings.maxBytes) {
    response.body.destroy();
    return tooLarge(`Content-Length ${declared}`, settings, status);
  }
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of response.body) {
      length += (chunk as Buffer).length;
      if (length > settings.maxBytes) {
        response.body.destroy();
        return tooLarge(`more than ${settings.maxBytes} bytes sent`, settings, status);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    return failure(error, settings);
  }
  const contentType = header(response.headers, 'content-type');
  const robots = header(response.headers, 'x-robots-tag');
  return {
    ok: true,
    bytes: Buffer.concat(chunks, length),
    status,
    finalUrl: url,
    ...(contentType === undefined ? {} : { contentType }),
    ...(robots === undefined ? {} : { robots }),
  };
}

function refuseUrl(url: string, allowPrivate: boolean): Attempt | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'bad_url', detail: `not an absolute URL: ${url}` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, reason: 'bad_url', detail: `${parsed.protocol} URLs are not fetched` };
  }
  const literal = allowPrivate ? undefined : forbiddenLiteral(parsed.hostname);
  if (literal) return { ok: false, reason: 'private_address', detail: literal };
  return undefined;
}

function tooLarge(why: string, settings: FetchSettings, status: number): Attempt {
  return {
    ok: false,
    reason: 'too_large',
    detail: `${why}; the limit is ${settings.maxBytes}`,
    status,
  };
}

/** The reason for a thrown network error, from its code (or its cause's). */
function failure(error: unknown, settings: FetchSettings): Attempt {
  const codes: string[] = [];
  const names: string[] = [];
  // Not `instanceof Error`: an abort is a DOMException, of another realm under jest.
  for (let e: unknown = error; typeof e === 'object' && e !== null; e = (e as Error).cause) {
    const { name, code } = e as { name?: unknown; code?: unknown };
    if (typeof name === 'string') names.push(name);
    if (typeof code === 'string') codes.push(code);
  }
  const message = (error as { message?: unknown } | null)?.message ?? String(error);
  const is = (pattern: RegExp) => codes.some((code) => pattern.test(code));
  let reason: DownloadReason;
  if (is(/^EVLMFLOW_PRIVATE_ADDRESS$/)) reason = 'private_address';
  else if (names.some((n) => n === 'TimeoutError' || n === 'AbortError') || is(/TIMEOUT/))
    reason = 'timeout';
  else if (is(/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL|ENODATA)$/)) reason = 'dns';
  else if (is(/CERT|^ERR_TLS|^ERR_SSL|SELF_SIGNED|UNABLE_TO/)) reason = 'tls';
  else reason = 'connection';
  const detail =
    reason === 'timeout' ? `no complete answer within ${settings.timeoutMs} ms` : message;
  return { ok: false, reason, detail: `${detail}${codes.length ? ` (${codes[0]})` : ''}` };
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
