/**
 * The one rule for an id that goes into a URL path as one segment (platform tenant, OAuth client and
 * component ids; T-Gate record ids). Encoding alone is not enough: `..` and `.` survive encodeURIComponent
 * and move the request to another path (`DELETE .../oauth-clients/..` is a DELETE of the tenant).
 */
const PLAIN_ID = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Why `value` is not a plain id (letters, digits, `_`, `-` and `.`, not only dots, at most 200
 * characters), or undefined when it is one. The reason completes a sentence naming the field.
 */
export function plainIdProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return 'is missing or empty';
  if (/^\.+$/.test(value)) return `is "${value}", which is not an id but a step in a path`;
  if (!PLAIN_ID.test(value)) {
    // JSON escapes control characters, so the value can be shown safely (and cut short).
    return (
      `${JSON.stringify(value.slice(0, 60))} is not a plain id: only letters, digits, "_", "-" and "." are allowed ` +
      '(no "/", "\\", "%", "?", "#", spaces or control characters, at most 200 characters)'
    );
  }
  return undefined;
}
