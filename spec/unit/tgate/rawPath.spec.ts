import { expect } from 'chai';
import { InvalidInputError } from '../../../lib/errors';
import { checkedRawPath, MAX_RAW_PATH_LENGTH, rawPathProblem, resolvedPathProblem } from '../../../lib/tgate/rawPath';

const BASE = 'https://api.t-gate.net/partner/v1';

describe('tgate: raw request paths (checkedRawPath)', () => {
  describe('accepts a path under the API base and sends it as written', () => {
    const cases: Array<[string, string]> = [
      ['/items/42', '/items/42'],
      ['items/42', '/items/42'],
      ['items?page=2', '/items?page=2'],
      ['/branches?brand_id=101&items=5', '/branches?brand_id=101&items=5'],
      ['/items/caf%C3%A9', '/items/caf%C3%A9'],
      ['/items/a%20b', '/items/a%20b'],
      ['/orders?email=a@b.example&next=/x//y', '/orders?email=a@b.example&next=/x//y'],
      ['/items/v1.2/x-y_z~', '/items/v1.2/x-y_z~'],
      ['/items/', '/items/'],
      ['/items/report.;v=2', '/items/report.;v=2'],
    ];
    for (const [path, sent] of cases) {
      it(`${JSON.stringify(path)} -> ${sent}`, () => {
        expect(rawPathProblem(BASE, path)).to.equal(undefined);
        expect(checkedRawPath(BASE, path)).to.equal(sent);
      });
    }
  });

  describe('refuses every way out of the API base, naming the rule', () => {
    const cases: Array<[string, unknown, string]> = [
      ['absolute https URL', 'https://evil.example/x', 'is refused: it is an absolute URL'],
      ['absolute URL, upper-case scheme', 'HTTP://evil.example/x', 'is refused: it is an absolute URL'],
      ['same-host absolute URL', `${BASE}/items`, 'is refused: it is an absolute URL'],
      ['javascript: URL', 'javascript:alert(1)', 'is refused: it is an absolute URL'],
      ['scheme-relative //host', '//evil.example/x', 'is refused: it holds "//"'],
      ['"//" inside the path', '/items//evil.example', 'is refused: it holds "//"'],
      ['backslash host \\\\host', '\\\\evil.example\\x', 'is refused: it holds a backslash'],
      ['slash-backslash /\\host', '/\\evil.example/x', 'is refused: it holds a backslash'],
      ['../ at the start', '../x', 'is refused: it holds a "." or ".." segment'],
      ['.. climbing twice', '/a/../../x', 'is refused: it holds a "." or ".." segment'],
      ['trailing ..', '/items/..', 'is refused: it holds a "." or ".." segment'],
      ['. segment', '/./items', 'is refused: it holds a "." or ".." segment'],
      ['..;/ (a path parameter Java drops)', '..;/x', 'is refused: it holds a ".;" or "..;" segment'],
      ['/.;/', '/.;/x', 'reads as "." or ".." and can climb out of the API base'],
      ['..;jsessionid=1/ in the middle', '/items/..;jsessionid=1/x', 'is refused: it holds a ".;" or "..;" segment'],
      ['%2e%2e%3b/', '/%2e%2e%3b/x', 'is refused: percent-decoded once, it holds a ".;" or "..;" segment'],
      ['%2e%2e/', '%2e%2e/x', 'is refused: percent-decoded once, it holds a "." or ".." segment'],
      ['%2E%2E%2F', '%2E%2E%2Fx', 'is refused: percent-decoded once, it holds a "." or ".." segment'],
      ['.%2e', '/.%2e/x', 'is refused: percent-decoded once, it holds a "." or ".." segment'],
      ['%2e. in the middle', '/a/%2e./x', 'is refused: percent-decoded once, it holds a "." or ".." segment'],
      ['..%2f..%2f', '..%2f..%2fx', 'is refused: percent-decoded once, it holds a "." or ".." segment'],
      ['items%2F..%2F..', '/items%2F..%2F..%2Fx', 'is refused: percent-decoded once, it holds a "." or ".." segment'],
      ['double-encoded %252e', '/%252e%252e/x', 'is refused: percent-decoded 2 times, it holds a "." or ".." segment'],
      [
        'triple-encoded %25252e',
        '/%25252e%25252e/x',
        'is refused: percent-decoded 3 times, it holds a "." or ".." segment',
      ],
      ['encoded //host', '%2F%2Fevil.example/x', 'is refused: percent-decoded once, it holds "//"'],
      ['encoded backslash', '/%5Cevil.example', 'is refused: percent-decoded once, it holds a backslash'],
      ['encoded scheme', 'https%3A%2F%2Fevil.example', 'is refused: percent-decoded once, it is an absolute URL'],
      ['encoded four times', '/items/%2525252e', 'is refused: it is percent-encoded more than 3 times over'],
      ['@ user info', '@evil.example/x', 'is refused: it holds "@"'],
      ['@ after a segment', '/items@evil.example/x', 'is refused: it holds "@"'],
      ['encoded @', '/items%40evil.example', 'is refused: percent-decoded once, it holds "@"'],
      ['NUL', '/items\u0000', 'holds a control character'],
      ['CR LF header injection', '/items\r\nHost: evil.example', 'holds a control character'],
      ['tab', '/it\tems', 'holds a control character'],
      ['DEL', '/items\u007f', 'holds a control character'],
      [
        'encoded CR LF',
        '/items%0d%0aHost:%20evil.example',
        'is refused: percent-decoded once, it holds a control character',
      ],
      ['fragment', '/items#x', 'holds a fragment ("#")'],
      ['fragment after a query', '/items?page=2#x', 'holds a fragment ("#")'],
      ['space', '/items/a b', 'holds a space or a character outside printable ASCII'],
      ['non-ASCII', '/items/café', 'holds a space or a character outside printable ASCII'],
      ['fullwidth solidus', '/items\uff0f..', 'holds a space or a character outside printable ASCII'],
      ['stray %', '/items/100%', 'holds a "%" that does not start a percent-encoded character'],
      ['stray % in the query', '/items?q=100%', 'holds a "%" in its query'],
      ['empty', '', 'is missing or empty'],
      ['blank', '   ', 'is missing or empty'],
      ['not text', 42, 'is missing or empty'],
      ['missing', undefined, 'is missing or empty'],
      ['too long', `/items/${'a'.repeat(MAX_RAW_PATH_LENGTH)}`, `is longer than ${MAX_RAW_PATH_LENGTH} characters`],
    ];
    for (const [what, path, reason] of cases) {
      it(`${what}: ${String(JSON.stringify(path)).slice(0, 60)}`, () => {
        expect(rawPathProblem(BASE, path)).to.be.a('string').and.contain(reason);
        let thrown: unknown;
        try {
          checkedRawPath(BASE, path);
        } catch (err) {
          thrown = err;
        }
        expect(thrown).to.be.instanceOf(InvalidInputError);
        expect((thrown as InvalidInputError).field).to.equal('path');
        expect((thrown as Error).message).to.match(
          /^The path .+: give a path relative to the T-Gate API base, such as \/items\/42 or items\?page=2\. Requests only go to the T-Gate API/,
        );
      });
    }
  });

  describe('the textual rules on their own: paths the URL parser keeps under the base are still refused', () => {
    // Each of these stays under the base for the WHATWG parser (layer 2 lets it through), so only its own
    // textual rule refuses it; another parser on the way (a proxy, a redirect) may read it differently:
    // Node's legacy url.resolve reads "https:/evil.example/x" as a path from the host's root.
    const cases: Array<[string, string]> = [
      ['scheme without slashes', 'https:evil.example/x'],
      ['scheme, upper case', 'HTTPS:items'],
      ['"//" inside the path', '/items//evil.example'],
      ['"@" after a segment', '/items@evil.example/x'],
      ['backslash', '/items\\x'],
      ['encoded backslash', '/items/a%5Cb'],
      ['encoded ".." that stays under the base', '/a/%2e%2e/b'],
      ['double-encoded ".."', '/items/%252e%252e/x'],
      ['encoded CR LF', '/items%0d%0aHost:%20evil.example'],
    ];
    for (const [what, path] of cases) {
      it(`${what}: ${JSON.stringify(path)}`, () => {
        expect(resolvedPathProblem(BASE, path), 'the parser check alone').to.equal(undefined);
        expect(rawPathProblem(BASE, path)).to.be.a('string');
        let thrown: unknown;
        let sent: string | undefined;
        try {
          sent = checkedRawPath(BASE, path);
        } catch (err) {
          thrown = err;
        }
        expect(sent).to.equal(undefined);
        expect(thrown).to.be.instanceOf(InvalidInputError).with.property('field', 'path');
      });
    }
  });

  describe('the parser check on its own (defence in depth, whatever the textual rules let through)', () => {
    const cases: Array<[string, string | undefined]> = [
      ['/items/42', undefined],
      ['items?page=2', undefined],
      [`${BASE}/items`, undefined],
      ['/../x', 'would leave the T-Gate API base path'],
      ['/%2e%2e/x', 'would leave the T-Gate API base path'],
      ['/a/.%2E/../x', 'would leave the T-Gate API base path'],
      ['/items/..\\..\\x', 'would leave the T-Gate API base path'],
      ['https://evil.example/x', 'would leave the T-Gate API host'],
      ['HTTPS://EVIL.EXAMPLE/x', 'would leave the T-Gate API host'],
      ['//evil.example/x', 'would leave the T-Gate API host'],
      ['/\\evil.example/x', 'would leave the T-Gate API host'],
      ['\\\\evil.example\\x', 'would leave the T-Gate API host'],
      ['http://api.t-gate.net/partner/v1/x', 'would leave the T-Gate API host'],
      ['https://api.t-gate.net:8443/partner/v1/x', 'would leave the T-Gate API host'],
      ['https://user:pw@api.t-gate.net/partner/v1/x', 'would leave the T-Gate API host'],
      ['https://api.t-gate.net/partner/v2/x', 'would leave the T-Gate API base path'],
      ['https://api.t-gate.net/partner/v1x', 'would leave the T-Gate API base path'],
      ['/items#top', 'holds a fragment ("#"), which is never sent to a server'],
    ];
    for (const [path, problem] of cases) {
      it(`${JSON.stringify(path)}: ${problem ?? 'stays under the base'}`, () => {
        expect(resolvedPathProblem(BASE, path)).to.equal(problem);
      });
    }
  });

  describe('at the edges', () => {
    it(`accepts a path of exactly ${MAX_RAW_PATH_LENGTH} characters`, () => {
      const path = `/${'a'.repeat(MAX_RAW_PATH_LENGTH - 1)}`;
      expect(checkedRawPath(BASE, path)).to.equal(path);
    });

    it('reads a path that is only a query: what follows "?" is query, never path', () => {
      expect(checkedRawPath(BASE, '?next=/x//y')).to.equal('/?next=/x//y');
      for (const path of ['?q=100%', '/i?q=%4z', '/i?q=%zz']) {
        expect(() => checkedRawPath(BASE, path), path).to.throw(InvalidInputError);
      }
    });

    it('sends the same path whatever slashes end the base', () => {
      for (const base of [BASE, `${BASE}/`, `${BASE}//`]) {
        expect(checkedRawPath(base, '/items/42'), base).to.equal('/items/42');
        expect(checkedRawPath(base, 'items?page=2'), base).to.equal('/items?page=2');
      }
    });

    it('the parser check: the base itself is under the base; user info alone or a password alone leaves; no URL is refused', () => {
      expect(resolvedPathProblem(BASE, BASE)).to.equal(undefined);
      expect(resolvedPathProblem(BASE, 'https://user@api.t-gate.net/partner/v1/x')).to.equal(
        'would leave the T-Gate API host',
      );
      expect(resolvedPathProblem(BASE, 'https://:pw@api.t-gate.net/partner/v1/x')).to.equal(
        'would leave the T-Gate API host',
      );
      expect(resolvedPathProblem(BASE, 'http://[::1')).to.equal('does not make a valid URL with the T-Gate API base');
    });
  });

  it('keeps a base at the root of its host apart from other hosts', () => {
    expect(checkedRawPath('http://127.0.0.1:8080', '/items')).to.equal('/items');
    expect(resolvedPathProblem('http://127.0.0.1:8080', '//127.0.0.1:9090/x')).to.equal(
      'would leave the T-Gate API host',
    );
    expect(resolvedPathProblem('http://127.0.0.1:8080', '/../../x')).to.equal(undefined); // "/.." at the root stays at the root
  });
});
