// Types for the parts of elasticio-sailor-nodejs and elasticio-rest-node the component calls directly
// (neither ships its own): what their source does, as far as the local runner, the specs and the
// benchmarks use it. Sources: the sailor's lib/executor.js, lib/settings.js, lib/encryptor.js and
// elasticio-rest-node's lib/resources/accounts.js.

declare module 'elasticio-sailor-nodejs/lib/executor.js' {
  type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

  /**
   * The `this` of a trigger or action: emits data, error, snapshot, rebound, updateKeys and end. Its
   * emitter (lib/emitter.js) awaits async listeners: `emit` resolves when they have settled.
   */
  export class TaskExec {
    on(event: string, listener: (...args: never[]) => unknown): this;
    emit(event: string, ...args: unknown[]): Promise<void>;
    constructor(options: {
      loggerOptions: Record<string, unknown>;
      variables: Record<string, string>;
      services: { apiClient: unknown; amqp: Record<string, unknown>; config: Record<string, unknown> };
    });
    logger: Record<LogLevel, (...args: unknown[]) => void>;
    process(triggerOrAction: unknown, payload: unknown, cfg: unknown, snapshot?: unknown): void;
  }
}

declare module 'elasticio-sailor-nodejs/lib/settings.js' {
  /** The sailor's settings as it reads them from its environment variables (throws on a missing one). */
  export function readFrom(env: NodeJS.ProcessEnv): Record<string, unknown>;
}

declare module 'elasticio-sailor-nodejs/lib/encryptor.js' {
  /** The sailor's message encryption (AES-256-CBC, key sha256(password), IV as given). */
  class Encryptor {
    constructor(password: string, iv: string);
    encryptMessageContent(payload: unknown, outputEncoding?: 'base64' | 'hex'): Buffer;
    decryptMessageContent(payload: Buffer | string, inputEncoding?: 'base64' | 'hex'): unknown;
  }
  export = Encryptor;
}

declare module 'elasticio-rest-node' {
  /** The platform API client the sailor builds (called without `new`, as the sailor calls it). */
  function createApiClient(
    username: string,
    apiKey: string,
    options?: { retryCount?: number },
  ): {
    accounts: {
      retrieve(id: string): Promise<unknown>;
      update(id: string, body: { keys: Record<string, unknown> }): Promise<unknown>;
    };
  };
  export = createApiClient;
}
