'use strict';
// The sailor requires this file by name. If it failed to load, the sailor would answer
// "verified" for every credential, so it must load even when the compiled code is missing.
let implementation;
let loadError;
try {
  implementation = require('./dist/lib/verifyCredentials.js');
} catch (err) {
  loadError = err;
}

module.exports = function verifyCredentials(credentials, callback) {
  if (typeof implementation !== 'function') {
    const why =
      loadError && loadError.code === 'MODULE_NOT_FOUND'
        ? 'its compiled code (dist/) is missing'
        : 'its compiled code failed to load';
    throw new Error(
      `The T-Gate component cannot verify credentials: ${why}. The component build must run \`npm install\`, which compiles it.`,
    );
  }
  return implementation.call(this, credentials, callback);
};
