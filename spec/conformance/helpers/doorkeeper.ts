/**
 * A real Doorkeeper (spec/conformance/doorkeeper-app, Rails on Debian's system gems) on loopback, in one
 * of its two refresh modes, with a fresh SQLite database in a temp dir. Specs talk to it over HTTP only.
 */
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axios from 'axios';
import { COMPONENT_ROOT } from '../../../lib/cli/sailorRun';

export const APP_DIR = path.join(COMPONENT_ROOT, 'spec', 'conformance', 'doorkeeper-app');

/**
 * `grace`: the `previous_refresh_token` column exists (Doorkeeper's generated schema): after a refresh the
 * old pair lives until the new access token is first used. `instant`: no column, the old pair dies at once.
 */
export type RefreshMode = 'grace' | 'instant';

export interface DoorkeeperClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

/** One POST /oauth/token as the app recorded it; the refresh token only as a 6-hex sha256 tag. */
export interface DoorkeeperTokenRequest {
  at: number;
  status: number;
  grant_type?: string;
  refresh_token_tag?: string | null;
}

export interface Doorkeeper {
  mode: RefreshMode;
  url: string;
  authorizeUrl: string;
  tokenUrl: string;
  apiBaseUrl: string;
  bootMs: number;
  tokenRequests(): Promise<DoorkeeperTokenRequest[]>;
  /** Lifetime of access tokens issued from now on (Doorkeeper's custom_access_token_expires_in). */
  setAccessTokenLifetime(seconds: number): Promise<void>;
  /** As if every access token issued so far had outlived its lifetime. */
  expireAccessTokens(): Promise<void>;
  /** As if `seconds` had passed for every code and token issued so far. */
  age(seconds: number): Promise<void>;
  close(): Promise<void>;
}

const REQUIRED = "require 'rails'; require 'doorkeeper'; require 'sqlite3'; require 'puma'";

/** Why a Doorkeeper cannot be started here, or undefined when it can. */
export function whyNoDoorkeeper(): string | undefined {
  const ruby = spawnSync('ruby', ['-e', REQUIRED], { encoding: 'utf8', timeout: 60_000 });
  if (ruby.error) return `ruby is not installed (${(ruby.error as NodeJS.ErrnoException).code ?? ruby.error.message})`;
  if (ruby.status !== 0) return `the Ruby gems are missing (${ruby.stderr.trim().split('\n')[0]})`;
  const puma = spawnSync('puma', ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (puma.error || puma.status !== 0) return 'puma is not installed';
  return undefined;
}

/** `ruby -e` a version line: what the conformance run was checked against. */
export function doorkeeperVersions(): string {
  const r = spawnSync(
    'ruby',
    [
      '-e',
      `${REQUIRED}; puts "Doorkeeper #{Doorkeeper::VERSION::STRING}, Rails #{Rails.version}, Ruby #{RUBY_VERSION}, Puma #{Puma::Const::PUMA_VERSION}"`,
    ],
    { encoding: 'utf8' },
  );
  return r.stdout.trim();
}

export async function startDoorkeeper(opts: {
  mode: RefreshMode;
  clients: DoorkeeperClient[];
  accessTokenLifetimeSeconds?: number;
}): Promise<Doorkeeper> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tgate-doorkeeper-'));
  const started = Date.now();
  const child = spawn(
    'puma',
    ['-b', 'tcp://127.0.0.1:0', '-t', '4:4', '-e', 'production', path.join(APP_DIR, 'config.ru')],
    {
      cwd: APP_DIR,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DK_DB: path.join(dir, 'doorkeeper.sqlite3'),
        DK_MODE: opts.mode,
        DK_CLIENTS: JSON.stringify(
          opts.clients.map((c) => ({
            uid: c.clientId,
            secret: c.clientSecret,
            redirect_uri: c.redirectUris.join('\n'),
          })),
        ),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const cleanup = (): void => fs.rmSync(dir, { recursive: true, force: true });
  let port: number;
  try {
    port = await listeningPort(child);
  } catch (err) {
    child.kill('SIGKILL');
    cleanup();
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;
  const control = axios.create({ baseURL: `${url}/__conformance`, proxy: false });
  const dk: Doorkeeper = {
    mode: opts.mode,
    url,
    authorizeUrl: `${url}/oauth`,
    tokenUrl: `${url}/oauth/token`,
    apiBaseUrl: `${url}/partner/v1`,
    bootMs: Date.now() - started,
    tokenRequests: async () => (await control.get<DoorkeeperTokenRequest[]>('/token_requests')).data,
    setAccessTokenLifetime: async (seconds) => {
      await control.post('/settings', { access_token_lifetime: seconds });
    },
    expireAccessTokens: async () => {
      await control.post('/expire_access_tokens');
    },
    age: async (seconds) => {
      await control.post('/age', { seconds });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          resolve();
          return;
        }
        child.once('exit', () => {
          cleanup();
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
  if (opts.accessTokenLifetimeSeconds !== undefined) await dk.setAccessTokenLifetime(opts.accessTokenLifetimeSeconds);
  return dk;
}

/** Puma prints "Listening on http://127.0.0.1:<port>" once the app has loaded. */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => fail(new Error(`Doorkeeper did not start within 60 s:\n${out.slice(-2000)}`)),
      60_000,
    );
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    const read = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /Listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => fail(new Error(`Doorkeeper exited (${code}) before listening:\n${out.slice(-2000)}`)));
  });
}
