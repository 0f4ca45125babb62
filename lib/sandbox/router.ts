/** The sandbox's route table: method and path pattern (`:name` matches one segment of digits) to a handler. */
import { IncomingMessage } from 'http';

/** What a handler answers; the server writes it. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  /** JSON body; undefined for an empty body (redirects, 204). */
  body?: unknown;
  /** For the token request record. */
  grantType?: string;
  error?: string;
}

export interface RouteContext {
  req: IncomingMessage;
  method: string;
  url: URL;
  params: Record<string, string>;
  rawBody: string;
}

export interface Route {
  /** An HTTP method, or '*' for a handler that answers every method itself. */
  method: string;
  /** e.g. '/partner/v1/brands/:id'; a `:resource` segment matches a name, any other `:param` digits. */
  path: string;
  /** 'bearer': the shared access-token check runs first and answers 401 itself. */
  auth?: 'bearer';
  handle(ctx: RouteContext): Answer | Promise<Answer>;
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

export function message(status: number, text: string, headers: Record<string, string> = {}): Answer {
  return { status, headers, body: { message: text } };
}

export class RouteTable {
  private readonly compiled: CompiledRoute[];

  constructor(routes: Route[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((segment) => {
          if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(segment.slice(1));
          return segment === ':resource' ? '([A-Za-z]+)' : '(\\d{1,15})';
        })
        .join('/');
      return { route, pattern: new RegExp(`^${source}$`), names };
    });
  }

  /** The first route for this method and path, with its parameters. */
  match(method: string, pathname: string): { route: Route; params: Record<string, string> } | undefined {
    for (const { route, pattern, names } of this.compiled) {
      if (route.method !== '*' && route.method !== method) continue;
      const found = pattern.exec(pathname);
      if (!found) continue;
      const params: Record<string, string> = {};
      names.forEach((name, i) => (params[name] = found[i + 1]));
      return { route, params };
    }
    return undefined;
  }
}
