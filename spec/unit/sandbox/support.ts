/** Shared fixtures for the sandbox specs (not a spec itself). */
import axios, { AxiosResponse } from 'axios';
import type { SandboxClient } from '../../../lib/sandbox';

/** An axios instance that never throws on a status, never follows redirects and never uses a proxy. */
export const http = axios.create({ validateStatus: () => true, maxRedirects: 0, proxy: false });

export const REDIRECT_URI = 'http://127.0.0.1:8765/callback';
export const OTHER_REDIRECT_URI = 'https://partner.example/tgate/callback?x=1';

/** The secret holds characters that RFC 6749 2.3.1 form-encoding changes (space, '+', '/', '=', '$'). */
export const CLIENT: SandboxClient = {
  clientId: 'partner-app',
  clientSecret: 'pa$$ word+/=',
  redirectUris: [REDIRECT_URI, OTHER_REDIRECT_URI],
};

export const OTHER_CLIENT: SandboxClient = {
  clientId: 'other-app',
  clientSecret: 'other-secret',
  redirectUris: ['http://127.0.0.1:9999/cb'],
};

export function form(values: Record<string, string>): string {
  return new URLSearchParams(values).toString();
}

export function bearer(accessToken: string): { headers: Record<string, string> } {
  return { headers: { Authorization: `Bearer ${accessToken}` } };
}

/** POST a form body to the token endpoint with the given Authorization header (or none). */
export function postToken(
  tokenUrl: string,
  body: string,
  authorization?: string,
  contentType = 'application/x-www-form-urlencoded',
): Promise<AxiosResponse> {
  const headers: Record<string, string> = { 'Content-Type': contentType };
  if (authorization !== undefined) headers.Authorization = authorization;
  return http.post(tokenUrl, body, { headers, transformRequest: [(data: unknown) => data] });
}

/** The four pagy headers T-Gate's list APIs answer. */
export function pageHeaders(res: AxiosResponse): Record<string, unknown> {
  return {
    'current-page': res.headers['current-page'],
    'page-items': res.headers['page-items'],
    'total-count': res.headers['total-count'],
    'total-pages': res.headers['total-pages'],
  };
}

export const ids = (records: Array<{ id: number }>): number[] => records.map((r) => r.id);
