import fs from 'node:fs';
import path from 'node:path';
import { isLoopbackHost } from '../sandbox/server';
import { TGATE_ENVIRONMENTS, TGateEnvironmentName } from '../tgate';
import { readJsonObject, writePrivateJson } from './files';
import { UsageError } from './errors';

/**
 * A credential file made by `tgate connect` is used again by `tgate verify`, `run` and `select` with no
 * variables to set: besides the credential's keys it names the T-Gate it was made against and the OAuth
 * client, whose secret stays in a file of its own (mode 0600), like `tgate sandbox` keeps its generated
 * one. The cfg only points at that file, so no output that shows the cfg can show the secret.
 */

/** Where the local tools keep credentials and snapshots (git-ignored). */
export const LOCAL_DIR = '.tgate';
export const DEFAULT_CFG_FILE = path.join(LOCAL_DIR, 'cfg.json');

/** The cfg key that holds the client and the URLs; the step never reads it. */
export const LOCAL_CLIENT_KEY = 'tgateClient';

export interface LocalClient {
  clientId: string;
  /** The client secret's file, relative to the cfg file's folder. */
  secretFile: string;
  /** Set when they are not the environment's (the embedded sandbox, a white-label host). */
  tokenUrl?: string;
  apiBaseUrl?: string;
}

export interface LocalClientFacts {
  environment: TGateEnvironmentName;
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  apiBaseUrl?: string;
}

const isLocalUrl = (url: string): boolean => isLoopbackHost(new URL(url).hostname.replace(/^\[|\]$/g, ''));

/**
 * Refuses a token URL on this machine without an API base: the tokens it gives would otherwise be sent
 * to the environment's public API host.
 */
export function checkLocalPair(tokenUrl: string, apiBaseUrl: string | undefined): void {
  if (isLocalUrl(tokenUrl) && apiBaseUrl === undefined) {
    throw new UsageError(
      `the token URL ${tokenUrl} is on this machine: give its API base too ` +
        '(--api-base-url, or TGATE_API_BASE_URL; tgate sandbox prints it), ' +
        "so the tokens never go to T-Gate's public hosts",
    );
  }
}

/** Creates the folder of a file that only its owner may read. */
export function ensurePrivateDir(file: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
}

/** Writes the client's secret beside the cfg file and returns what the cfg keeps of the client. */
export function saveLocalClient(cfgFile: string, facts: LocalClientFacts): LocalClient {
  const row = TGATE_ENVIRONMENTS[facts.environment];
  const secretName = `${path.basename(cfgFile).replace(/\.json$/i, '')}.client-secret.json`;
  writePrivateJson(path.join(path.dirname(cfgFile), secretName), {
    clientId: facts.clientId,
    clientSecret: facts.clientSecret,
  });
  return {
    clientId: facts.clientId,
    secretFile: secretName,
    ...(facts.tokenUrl !== row.tokenUrl ? { tokenUrl: facts.tokenUrl } : {}),
    ...(facts.apiBaseUrl !== undefined && facts.apiBaseUrl !== row.apiBaseUrl ? { apiBaseUrl: facts.apiBaseUrl } : {}),
  };
}

/**
 * The variables the platform would set for a step (the OAuth client, URL overrides), from what the cfg
 * file records; {} for a cfg without it. They win over the shell's: the tokens belong to that client and
 * that server.
 */
export function localClientEnv(cfg: Record<string, unknown>, cfgFile: string): Record<string, string> {
  const client = cfg[LOCAL_CLIENT_KEY] as Partial<LocalClient> | undefined;
  if (client === undefined) return {};
  if (
    !client ||
    typeof client !== 'object' ||
    typeof client.clientId !== 'string' ||
    typeof client.secretFile !== 'string'
  ) {
    throw new UsageError(
      `the cfg file ${cfgFile} has a "${LOCAL_CLIENT_KEY}" that tgate connect did not write: ` +
        'remove it, or run tgate connect again',
    );
  }
  const secretPath = path.resolve(path.dirname(cfgFile), client.secretFile);
  const saved = readJsonObject(secretPath, 'client secret', { missingOk: true });
  if (!saved || typeof saved.clientSecret !== 'string') {
    throw new UsageError(
      `the client secret file ${secretPath} that ${cfgFile} names is missing or holds no clientSecret: ` +
        'run tgate connect again',
    );
  }
  return {
    OAUTH_CLIENT_ID: client.clientId,
    OAUTH_CLIENT_SECRET: saved.clientSecret,
    ...(typeof client.tokenUrl === 'string' ? { TGATE_TOKEN_URI: client.tokenUrl } : {}),
    ...(typeof client.apiBaseUrl === 'string' ? { TGATE_API_BASE_URL: client.apiBaseUrl } : {}),
  };
}

/** The cfg as the step sees it: without the local tools' own key. */
export function stepCfg(cfg: Record<string, unknown>): Record<string, unknown> {
  const { [LOCAL_CLIENT_KEY]: _local, ...rest } = cfg;
  return rest;
}
