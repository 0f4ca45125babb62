/** Where the sandbox serves what (paths on its own origin). */
export const AUTHORIZE_PATH = '/oauth';
export const TOKEN_PATH = '/oauth/token';
export const API_PREFIX = '/partner/v1';
/** Test and benchmark controls: never faulted nor recorded. */
export const CONTROL_PREFIX = '/__sandbox';
export const FAULTS_CONTROL_PATH = `${CONTROL_PREFIX}/faults`;
