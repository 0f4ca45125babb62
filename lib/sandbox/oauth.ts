/**
 * Adapter between Node's http module and @node-oauth/oauth2-server, shaped after T-Gate's documented
 * OAuth2 behaviour (Rails + Doorkeeper, as far as the docs let us tell):
 *
 *  - GET /oauth?response_type=code&client_id&redirect_uri[&state]: the company portal's approval page;
 *    the company user approves automatically. Without response_type Doorkeeper refuses, and so does this.
 *  - POST /oauth/token: form or JSON body; client authentication only through HTTP Basic, read raw as
 *    Doorkeeper does (clientAuth.ts); grants authorization_code and refresh_token, with refresh-token
 *    rotation, the old pair revoked at once or, in grace mode, on first use of the new access token
 *    (model.ts); Doorkeeper's response body (created_at in epoch seconds).
 *
 * spec/conformance checks these answers against a real Doorkeeper.
 *
 * Every OAuth2 decision is oauth2-server's; this file only translates requests and answers.
 */
import { IncomingMessage } from 'http';
import OAuth2Server = require('@node-oauth/oauth2-server');
import { InMemoryModel, SANDBOX_COMPANY_USER, SUPPORTED_GRANTS, SavedToken } from './model';
import { ClientCredentials, encodeBasicClientAuth, parseBasicClientAuth } from './clientAuth';
import { flatHeaders, mediaType, queryObject } from './httpUtil';
import { IssuedTokens } from './types';
import { Answer } from './router';

const {
  Request,
  Response,
  OAuthError,
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} = OAuth2Server;

export interface OAuthLifetimes {
  accessTokenLifetimeSeconds: number;
  authorizationCodeLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
}

export interface TokenResponseBody extends IssuedTokens {
  scope?: string;
}

type OAuthErrorLike = InstanceType<typeof OAuthError>;

function isOAuthError(err: unknown): err is OAuthErrorLike {
  return err instanceof OAuthError;
}

function errorAnswer(err: OAuthErrorLike, headers: Record<string, string> = {}): Answer {
  return {
    status: err.code,
    headers,
    body: { error: err.name, error_description: err.message },
    error: err.name,
  };
}

function serverErrorAnswer(err: unknown): Answer {
  const message = err instanceof Error ? err.message : String(err);
  return {
    status: 500,
    headers: {},
    body: { error: 'server_error', error_description: `Sandbox error: ${message}` },
    error: 'server_error',
  };
}

/** Response headers that oauth2-server set (it stores them lower-cased). */
function headersOf(response: OAuth2Server.Response): Record<string, string> {
  return { ...(response.headers ?? {}) };
}

type FormBody = Record<string, string>;

/** Parse a token request body (form or JSON) into the flat form object oauth2-server expects. */
export function parseTokenBody(
  contentType: string | undefined,
  rawBody: string,
): { ok: true; body: FormBody } | { ok: false; message: string } {
  const type = mediaType(contentType);
  const body = Object.create(null) as FormBody;
  if (type === 'application/x-www-form-urlencoded') {
    for (const [key, value] of new URLSearchParams(rawBody)) {
      if (key in body) return { ok: false, message: `Invalid request: parameter \`${key}\` is repeated` };
      body[key] = value;
    }
    return { ok: true, body };
  }
  if (type === 'application/json' || type.endsWith('+json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawBody);
    } catch {
      return { ok: false, message: 'Invalid request: the body is not valid JSON' };
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { ok: false, message: 'Invalid request: the JSON body must be an object' };
    }
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (value === null || value === undefined) continue;
      if (typeof value === 'string') body[key] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') body[key] = String(value);
      else return { ok: false, message: `Invalid request: parameter \`${key}\` must be a string` };
    }
    return { ok: true, body };
  }
  return {
    ok: false,
    message: 'Invalid request: content must be application/x-www-form-urlencoded or application/json',
  };
}

export class SandboxOAuth {
  private readonly server: OAuth2Server;

  constructor(
    private readonly model: InMemoryModel,
    lifetimes: OAuthLifetimes,
  ) {
    this.server = new OAuth2Server({
      model,
      accessTokenLifetime: lifetimes.accessTokenLifetimeSeconds,
      refreshTokenLifetime: lifetimes.refreshTokenLifetimeSeconds,
      authorizationCodeLifetime: lifetimes.authorizationCodeLifetimeSeconds,
      allowEmptyState: true,
      // The sandbox company user is always logged in to the portal and approves every request.
      authenticateHandler: { handle: () => ({ ...SANDBOX_COMPANY_USER }) },
      alwaysIssueNewRefreshToken: true,
      allowBearerTokensInQueryString: false,
      allowExtendedTokenAttributes: false,
    });
  }

  // --- GET /oauth ----------------------------------------------------------------------------

  async authorize(req: IncomingMessage, searchParams: URLSearchParams): Promise<Answer> {
    const query = queryObject(searchParams);
    return this.runAuthorize(flatHeaders(req), query).then((r) => r.answer);
  }

  private async runAuthorize(
    headers: Record<string, string>,
    query: Record<string, string>,
  ): Promise<{ answer: Answer; code?: string }> {
    if (!query.response_type) {
      // Doorkeeper refuses it too (with an error page and no redirect), though T-Gate's documented link omits it.
      return { answer: errorAnswer(new InvalidRequestError('Missing parameter: `response_type`')) };
    }
    if (query.client_id && !this.model.hasClient(query.client_id)) {
      // oauth2-server would say "client credentials are invalid"; name the actual problem.
      return { answer: errorAnswer(new InvalidClientError('Invalid client: unknown `client_id`')) };
    }
    const request = new Request({ headers, method: 'GET', query, body: {} });
    const response = new Response({ headers: {} });
    try {
      const code = await this.server.authorize(request, response);
      return { answer: this.redirectAnswer(response), code: code.authorizationCode };
    } catch (err) {
      // Errors found after the client and its redirect_uri were validated go back to the (registered)
      // redirect_uri, as RFC 6749 4.1.2.1 says; earlier ones (unknown client, unregistered or malformed
      // redirect_uri) must never redirect, so they are answered here as JSON.
      if (response.status === 302 && response.get('location')) {
        return { answer: { ...this.redirectAnswer(response), error: isOAuthError(err) ? err.name : 'server_error' } };
      }
      return { answer: isOAuthError(err) ? errorAnswer(err) : serverErrorAnswer(err) };
    }
  }

  private redirectAnswer(response: OAuth2Server.Response): Answer {
    return { status: 302, headers: { location: String(response.get('location')), 'cache-control': 'no-store' } };
  }

  // --- POST /oauth/token ---------------------------------------------------------------------

  async token(req: IncomingMessage, rawBody: string): Promise<Answer> {
    const parsed = parseTokenBody(req.headers['content-type'], rawBody);
    const grantType = parsed.ok ? parsed.body.grant_type : undefined;
    if (!parsed.ok) {
      return errorAnswer(new InvalidRequestError(parsed.message));
    }
    const basic = parseBasicClientAuth(req.headers.authorization);
    if (!basic.ok) {
      // T-Gate authenticates clients with HTTP Basic only: credentials in the body are not enough.
      return {
        ...errorAnswer(new InvalidClientError(`Invalid client: ${basic.reason}`, { code: 401 }), {
          'www-authenticate': 'Basic realm="Service"',
        }),
        grantType,
      };
    }
    if (basic.credentials.clientId.includes(':')) {
      // No registered client can have such an id (see validateClient); oauth2-server's Basic parser
      // would split it at the ':' and look up another id.
      return {
        ...errorAnswer(new InvalidClientError('Invalid client: client is invalid', { code: 401 }), {
          'www-authenticate': 'Basic realm="Service"',
        }),
        grantType,
      };
    }
    const headers = flatHeaders(req);
    return { ...(await this.runToken(headers, parsed.body, basic.credentials)).answer, grantType };
  }

  private async runToken(
    originalHeaders: Record<string, string>,
    body: FormBody,
    credentials: ClientCredentials,
  ): Promise<{ answer: Answer; tokens?: TokenResponseBody }> {
    const headers: Record<string, string> = { ...originalHeaders };
    delete headers['transfer-encoding'];
    // oauth2-server reads form objects only: JSON bodies were converted above, so describe the body as a form.
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(new URLSearchParams(body).toString()));
    headers.authorization = encodeBasicClientAuth(credentials);
    const refused = await this.redirectUriRefusal(body, credentials);
    if (refused) return { answer: errorAnswer(refused) };
    const request = new Request({ headers, method: 'POST', query: {}, body });
    const response = new Response({ headers: {} });
    try {
      const saved = (await this.server.token(request, response)) as SavedToken;
      const issued = response.body as {
        access_token: string;
        token_type: string;
        expires_in?: number;
        refresh_token?: string;
        scope?: string;
      };
      const tokens: TokenResponseBody = {
        access_token: issued.access_token,
        token_type: issued.token_type,
        // The lifetime as issued (oauth2-server recomputes it from "now", which can be a second short).
        expires_in: Math.round((saved.accessTokenExpiresAt.getTime() - saved.createdAt.getTime()) / 1000),
        refresh_token: String(issued.refresh_token),
        created_at: Math.floor(saved.createdAt.getTime() / 1000),
      };
      if (issued.scope) tokens.scope = issued.scope;
      // Doorkeeper's key order: access_token, token_type, expires_in, refresh_token, scope, created_at.
      const ordered: TokenResponseBody = {
        access_token: tokens.access_token,
        token_type: tokens.token_type,
        expires_in: tokens.expires_in,
        refresh_token: tokens.refresh_token,
        ...(tokens.scope ? { scope: tokens.scope } : {}),
        created_at: tokens.created_at,
      };
      return { answer: { status: 200, headers: headersOf(response), body: ordered }, tokens: ordered };
    } catch (err) {
      if (!isOAuthError(err)) return { answer: serverErrorAnswer(err) };
      let e: OAuthErrorLike = err;
      // oauth2-server knows the password and client_credentials grants too; T-Gate (Doorkeeper with
      // only these two grants enabled) answers unsupported_grant_type for them.
      if (
        err instanceof UnauthorizedClientError &&
        body.grant_type &&
        !(SUPPORTED_GRANTS as readonly string[]).includes(body.grant_type)
      ) {
        e = new UnsupportedGrantTypeError('Unsupported grant type: `grant_type` is invalid');
      }
      return { answer: errorAnswer(e, headersOf(response)) };
    }
  }

  /**
   * Doorkeeper (AuthorizationCodeRequest) refuses a code exchange without redirect_uri (invalid_request)
   * or with another one (invalid_grant) and the code stays usable; oauth2-server would use it up first.
   */
  private async redirectUriRefusal(
    body: FormBody,
    credentials: ClientCredentials,
  ): Promise<OAuthErrorLike | undefined> {
    if (body.grant_type !== 'authorization_code' || !body.code) return undefined;
    const code = this.model.peekAuthorizationCode(body.code);
    if (
      !code ||
      code.clientId !== credentials.clientId ||
      !(await this.model.getClient(credentials.clientId, credentials.clientSecret))
    )
      return undefined;
    if (!body.redirect_uri) return new InvalidRequestError('Missing parameter: `redirect_uri`');
    if (body.redirect_uri !== code.redirectUri)
      return new InvalidGrantError('Invalid grant: `redirect_uri` does not match the authorization request');
    return undefined;
  }

  // --- Bearer authentication of partner API requests -------------------------------------------

  /** Resolves true when the request carries a valid, unexpired, unrevoked access token. */
  async authenticate(
    req: IncomingMessage,
    searchParams: URLSearchParams,
  ): Promise<{ ok: true } | { ok: false; status: number; headers: Record<string, string> }> {
    const request = new Request({
      headers: flatHeaders(req),
      method: req.method ?? 'GET',
      query: queryObject(searchParams),
      body: {},
    });
    const response = new Response({ headers: {} });
    try {
      await this.server.authenticate(request, response);
      return { ok: true };
    } catch (err) {
      const status = isOAuthError(err) && err.name === 'server_error' ? 500 : 401;
      return { ok: false, status, headers: headersOf(response) };
    }
  }

  // --- direct issuing (tests and demos) ------------------------------------------------------

  /** Run the access grant flow in-process (authorize, then exchange the code) and return the tokens. */
  async issueTokens(clientId: string): Promise<IssuedTokens> {
    const client = this.model.findClient(clientId);
    if (!client) throw new Error(`issueTokens: unknown sandbox client ${clientId}`);
    if (client.redirectUris.length === 0)
      throw new Error(`issueTokens: sandbox client ${clientId} has no redirect URI`);
    const redirectUri = client.redirectUris[0];
    const authorized = await this.runAuthorize(
      {},
      { response_type: 'code', client_id: clientId, redirect_uri: redirectUri },
    );
    if (!authorized.code) throw new Error(`issueTokens: the authorize step failed (${describe(authorized.answer)})`);
    const exchanged = await this.runToken(
      {},
      { grant_type: 'authorization_code', code: authorized.code, redirect_uri: redirectUri },
      { clientId: client.clientId, clientSecret: client.clientSecret },
    );
    if (!exchanged.tokens) throw new Error(`issueTokens: the token step failed (${describe(exchanged.answer)})`);
    const { access_token, refresh_token, token_type, expires_in, created_at } = exchanged.tokens;
    return { access_token, refresh_token, token_type, expires_in, created_at };
  }
}

function describe(answer: Answer): string {
  return `${answer.status} ${answer.error ?? ''}`.trim();
}
