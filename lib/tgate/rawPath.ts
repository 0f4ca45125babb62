/**
 * The one check that keeps a raw request (the Make Raw Request action) on the T-Gate partner API, so the
 * bearer token never goes anywhere else. Two layers, each enough on its own:
 *
 * 1. textual rules on what the user wrote, and on each percent-decoded form of its path part (servers and
 *    proxies decode, some more than once): no scheme (`https:`, `javascript:`), no `//` or `\` at all,
 *    no `.` or `..` segment, no `@`, no `#`, no control characters, spaces or non-ASCII characters;
 * 2. the path joined to the base the way {@link TGateClient} joins it, and the path resolved against the
 *    base as a link would be, each parsed with the WHATWG URL parser (the one axios uses): both must have
 *    the base's origin, no user info, no fragment, and a pathname under the base's pathname.
 *
 * The answer is the path as the parser normalised it, relative to the base: exactly what is then sent.
 */
import { InvalidInputError } from '../errors';

/** Longest path accepted: far beyond any T-Gate path, short enough to keep messages and logs small. */
export const MAX_RAW_PATH_LENGTH = 2000;

/** Percent-decoding rounds checked: `%25252e` needs three to become `.`; deeper nesting is refused. */
const DECODE_ROUNDS = 4;

const HINT = 'give a path relative to the T-Gate API base, such as /items/42 or items?page=2';

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Why `text` (a path part, raw or decoded) could leave the API base, or undefined. */
function pathPartProblem(text: string): string | undefined {
  if (CONTROL_CHARACTER.test(text)) return 'it holds a control character';
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(text)) return 'it is an absolute URL (it starts with a scheme such as "https:")';
  if (text.includes('\\')) return 'it holds a backslash ("\\"), which URL parsers read as "/"';
  if (text.includes('//')) return 'it holds "//", which can name another host';
  if (text.includes('@')) return 'it holds "@", which can name user info or another host';
  if (text.split('/').some((segment) => segment === '.' || segment === '..'))
    return 'it holds a "." or ".." segment, which can climb out of the API base';
  // Servlet containers (Tomcat, Jetty) and some proxies drop a segment's ";parameters": "..;/x" is "../x" there.
  if (text.split('/').some((segment) => /^\.{1,2};/.test(segment))) {
    return (
      'it holds a ".;" or "..;" segment, which a Java server or proxy reads as "." or ".." ' +
      'and can climb out of the API base'
    );
  }
  return undefined;
}

/** `text` percent-decoded once, or undefined when it does not decode (a stray `%`). */
function decodeOnce(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Why `path` may not be sent with the T-Gate bearer token, or undefined when it may.
 * The reason completes "The path ...".
 */
export function rawPathProblem(apiBaseUrl: string, path: unknown): string | undefined {
  if (typeof path !== 'string' || path.trim() === '') return 'is missing or empty';
  if (path.length > MAX_RAW_PATH_LENGTH) return `is longer than ${MAX_RAW_PATH_LENGTH} characters`;
  // Spaces and non-ASCII characters are refused rather than encoded here, so that the path sent is the path written.
  if (/[^\u0021-\u007e]/.test(path)) {
    return CONTROL_CHARACTER.test(path)
      ? 'holds a control character'
      : 'holds a space or a character outside printable ASCII: percent-encode it (a space is %20)';
  }
  if (path.includes('#')) return 'holds a fragment ("#"), which is never sent to a server';
  const question = path.indexOf('?');
  let part = question < 0 ? path : path.slice(0, question);
  for (let round = 0; ; round += 1) {
    const problem = pathPartProblem(part);
    if (problem) {
      const decodedHow = round === 0 ? '' : `percent-decoded ${round === 1 ? 'once' : `${round} times`}, `;
      return `is refused: ${decodedHow}${problem}`;
    }
    const decoded = decodeOnce(part);
    if (decoded === undefined) return 'holds a "%" that does not start a percent-encoded character (write % as %25)';
    if (decoded === part) break;
    if (round + 1 >= DECODE_ROUNDS)
      return `is refused: it is percent-encoded more than ${DECODE_ROUNDS - 1} times over`;
    part = decoded;
  }
  const query = question < 0 ? '' : path.slice(question + 1);
  if (/%(?![0-9A-Fa-f]{2})/.test(query))
    return 'holds a "%" in its query that does not start a percent-encoded character (write % as %25)';
  return resolvedPathProblem(apiBaseUrl, path);
}

/**
 * Layer 2: why the URL `path` makes with the base leaves it, or undefined. Both readings are checked: the
 * base and the path joined as text (what the client sends) and the path resolved against the base as a
 * link would be (`/items` read as `items`), each parsed with the WHATWG URL parser.
 */
export function resolvedPathProblem(apiBaseUrl: string, path: string): string | undefined {
  const base = new URL(apiBaseUrl);
  for (const target of [joined(apiBaseUrl, path), resolvedAgainst(apiBaseUrl, path)]) {
    if (!target) return 'does not make a valid URL with the T-Gate API base';
    if (target.origin !== base.origin || target.username !== '' || target.password !== '')
      return 'would leave the T-Gate API host';
    if (!underBase(base, target)) return 'would leave the T-Gate API base path';
    if (target.hash !== '') return 'holds a fragment ("#"), which is never sent to a server';
  }
  return undefined;
}

/** The base and the path joined as TGateClient joins them, parsed. */
function joined(apiBaseUrl: string, path: string): URL | undefined {
  return parse(`${apiBaseUrl.replace(/\/+$/, '')}${path.startsWith('/') ? '' : '/'}${path}`);
}

/** The path resolved against the base directory, one leading "/" read as "relative to the base". */
function resolvedAgainst(apiBaseUrl: string, path: string): URL | undefined {
  return parse(path.replace(/^\/(?=[^/\\])/, ''), `${apiBaseUrl.replace(/\/+$/, '')}/`);
}

function parse(url: string, base?: string): URL | undefined {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
}

function basePathOf(base: URL): string {
  return base.pathname.replace(/\/+$/, '');
}

function underBase(base: URL, target: URL): boolean {
  const basePath = basePathOf(base);
  return target.pathname === basePath || target.pathname.startsWith(`${basePath}/`);
}

/**
 * The path to send for a raw request: relative to `apiBaseUrl`, starting with `/`, as the WHATWG parser
 * normalised it (query kept). Throws an {@link InvalidInputError} naming `field` when the path could
 * leave the T-Gate API (see the module comment); no request is made then.
 */
export function checkedRawPath(apiBaseUrl: string, path: unknown, field = 'path'): string {
  const problem = rawPathProblem(apiBaseUrl, path);
  if (problem)
    throw new InvalidInputError(
      field,
      `The ${field} ${problem}: ${HINT}. ` +
        'Requests only go to the T-Gate API, so that its access token is never sent elsewhere',
    );
  const base = new URL(apiBaseUrl);
  const target = joined(apiBaseUrl, path as string) as URL;
  return `${target.pathname.slice(basePathOf(base).length) || '/'}${target.search}`;
}
