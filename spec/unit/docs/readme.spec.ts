/**
 * README is read by a user, a tenant admin and a developer: it stays short, has a table of contents, and
 * every link and every `npx tgate` command in it works as written (reference material lives in docs/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { COMPONENT_ROOT } from '../../helpers/taskExec';

const MAX_LINES = 400;
const MAX_LINE_LENGTH = 120;

const read = (file: string): string => fs.readFileSync(path.join(COMPONENT_ROOT, file), 'utf8');

/** The lines of a Markdown text outside fenced code blocks, with their numbers. */
function proseLines(text: string): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let fence: string | null = null;
  text.split('\n').forEach((line, i) => {
    const marker = /^\s*(```|~~~)/.exec(line);
    if (marker) fence = fence === null ? marker[1] : fence === marker[1] ? null : fence;
    else if (fence === null) out.push([i + 1, line]);
  });
  return out;
}

/** The anchors GitHub gives a document's headings (as componentJsonConventions.spec.ts computes them). */
function anchors(text: string): Set<string> {
  const found = new Set<string>();
  for (const [, line] of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading)
      found.add(
        heading[1]
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\s_-]/gu, '')
          .replace(/\s/g, '-'),
      );
  }
  return found;
}

/** Markdown links `[text](target)` outside code blocks, with their line numbers. */
function links(text: string): Array<{ line: number; target: string }> {
  const out: Array<{ line: number; target: string }> = [];
  for (const [line, content] of proseLines(text)) {
    for (const m of content.matchAll(/\]\(([^)\s]+)\)/g)) out.push({ line, target: m[1] });
  }
  return out;
}

/** Where a relative link from `from` (a path under the component) leads: a file and an anchor, or why not. */
function brokenLink(from: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // https:, mailto: ...
  const [file, anchor] = target.split('#', 2);
  const resolved = file === '' ? from : path.posix.normalize(path.posix.join(path.posix.dirname(from), file));
  if (resolved.startsWith('..')) return `${target} leaves the repository`;
  if (!fs.existsSync(path.join(COMPONENT_ROOT, resolved))) return `${target}: no file ${resolved}`;
  if (anchor === undefined) return null;
  if (!resolved.endsWith('.md')) return `${target}: an anchor in a file that is not Markdown`;
  return anchors(read(resolved)).has(anchor) ? null : `${target}: ${resolved} has no heading #${anchor}`;
}

/** The `npx tgate ...` invocations in README's bash and sh code blocks (continued lines joined). */
function tgateInvocations(text: string): Array<{ line: number; words: string[] }> {
  const out: Array<{ line: number; words: string[] }> = [];
  let shell = false;
  let pending = '';
  let pendingLine = 0;
  text.split('\n').forEach((raw, i) => {
    const fence = /^\s*```\s*(\S*)/.exec(raw);
    if (fence) {
      shell = !shell && /^(bash|sh|shell|console)$/.test(fence[1]);
      return;
    }
    if (!shell) return;
    if (pending === '') pendingLine = i + 1;
    pending += raw.endsWith('\\') ? raw.slice(0, -1) : raw;
    if (raw.endsWith('\\')) return;
    const line = pending;
    pending = '';
    for (const m of line.matchAll(/\bnpx tgate\b([^|;&<>]*)/g)) {
      const words = m[1]
        .replace(/\s#.*$/, '')
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      out.push({ line: pendingLine, words });
    }
  });
  return out;
}

const helpCache = new Map<string, string>();
/** `node bin/tgate.js <command...> --help`, once per distinct command. */
function help(command: string[]): string {
  const key = command.join(' ');
  if (!helpCache.has(key)) {
    const output = execFileSync(process.execPath, [path.join(COMPONENT_ROOT, 'bin/tgate.js'), ...command, '--help'], {
      cwd: COMPONENT_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    helpCache.set(key, output);
  }
  return helpCache.get(key)!;
}

/** The command names (aliases too) a `--help` output lists under "Commands:". */
function subcommands(helpText: string): Set<string> {
  const names = new Set<string>();
  const section = /\nCommands:\n([\s\S]*?)(\n\S|$)/.exec(helpText);
  for (const line of (section?.[1] ?? '').split('\n')) {
    const m = /^ {2}(\S+)/.exec(line);
    if (m) for (const name of m[1].split('|')) names.add(name);
  }
  names.delete('help');
  return names;
}

/** The options (short and long) a `--help` output lists under "Options:" (not those its prose mentions). */
function options(helpText: string): Set<string> {
  const names = new Set<string>();
  const section = /\nOptions:\n([\s\S]*?)(\n\S|$)/.exec(helpText);
  for (const line of (section?.[1] ?? '').split('\n')) {
    const m = /^ {2}(?:(-[A-Za-z]), )?(--[A-Za-z][\w-]*)/.exec(line);
    if (m) for (const name of m.slice(1)) if (name) names.add(name);
  }
  return names;
}

/** What is wrong with one `npx tgate` invocation (its words after `npx tgate`), or null. */
function badInvocation(words: string[]): string | null {
  const command: string[] = [];
  let rest = words;
  // descend while the next word names a subcommand of what has been read so far
  while (rest.length && !rest[0].startsWith('-')) {
    const known = subcommands(help(command));
    if (rest[0] === 'help' && command.length === 0) {
      // `npx tgate help <command> [<sub>]`: each must exist
      let at: string[] = [];
      for (const word of rest.slice(1)) {
        if (!subcommands(help(at)).has(word)) return `help ${rest.slice(1).join(' ')}: no command ${word}`;
        at = [...at, word];
      }
      return null;
    }
    if (known.size === 0) break; // a leaf command: the rest are its arguments
    if (!known.has(rest[0]))
      return `${[...command, rest[0]].join(' ')}: no such command (known: ${[...known].join(', ')})`;
    command.push(rest[0]);
    rest = rest.slice(1);
  }
  if (command.length && subcommands(help(command)).size > 0) return `${command.join(' ')} needs a subcommand`;
  const listed = options(help(command));
  for (const word of rest) {
    const option = /^(--?[A-Za-z][\w-]*)/.exec(word)?.[1];
    if (option && !listed.has(option))
      return `tgate ${command.join(' ')}: ${option} is not among the options its --help lists`;
  }
  return null;
}

describe('README.md', () => {
  const readme = read('README.md');
  const lines = readme.replace(/\n$/, '').split('\n');

  it(`has at most ${MAX_LINES} lines`, () => {
    expect(lines.length, 'README.md lines').to.be.at.most(MAX_LINES);
  });

  it(`has no line longer than ${MAX_LINE_LENGTH} characters`, () => {
    const long = lines.map((l, i) => [i + 1, [...l].length] as const).filter(([, n]) => n > MAX_LINE_LENGTH);
    expect(long.map(([i, n]) => `line ${i}: ${n} characters`)).to.deep.equal([]);
  });

  it('keeps the two first commands at its very top', () => {
    const top = lines.slice(0, 8).join('\n');
    expect(top).to.include('npm install && npm start');
    expect(top).to.include('npm test');
  });

  it('has a table of contents linking every section, each link to a heading', () => {
    const prose = proseLines(readme);
    const start = prose.findIndex(([, l]) => /^##\s+(Contents|Table of contents)\s*$/i.test(l));
    expect(start, 'a "## Contents" heading').to.be.at.least(0);
    const end = prose.findIndex(([, l], i) => i > start && /^#{1,2}\s/.test(l));
    const toc = prose
      .slice(start + 1, end === -1 ? undefined : end)
      .map(([, l]) => l)
      .join('\n');
    const targets = [...toc.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(targets, 'links in the table of contents').to.have.length.above(0);
    const headings = anchors(readme);
    expect(
      targets.filter((t) => !headings.has(t)),
      'table-of-contents links without a heading',
    ).to.deep.equal([]);
    const sections = prose
      .filter(([, l]) => /^##\s/.test(l) && !/^##\s+(Contents|Table of contents)\s*$/i.test(l))
      .map(([, l]) => [...anchors(l)][0]);
    expect(
      sections.filter((s) => !targets.includes(s)),
      'sections missing from the table of contents',
    ).to.deep.equal([]);
  });

  it('links only to headings and files that exist (docs/ included, with their anchors)', () => {
    const found = links(readme);
    expect(
      found.filter((l) => l.target.startsWith('docs/')),
      'links to docs/',
    ).to.have.length.above(0);
    const broken = found.map((l) => [l.line, brokenLink('README.md', l.target)] as const).filter(([, why]) => why);
    expect(broken.map(([line, why]) => `line ${line}: ${why}`)).to.deep.equal([]);
  });

  it('every relative link in docs/ resolves too', () => {
    const broken: string[] = [];
    for (const file of fs.readdirSync(path.join(COMPONENT_ROOT, 'docs')).filter((f) => f.endsWith('.md'))) {
      for (const l of links(read(`docs/${file}`))) {
        const why = brokenLink(`docs/${file}`, l.target);
        if (why) broken.push(`docs/${file} line ${l.line}: ${why}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it('names, in every `npx tgate` line of its shell blocks, a command that exists and only options it lists', function () {
    this.timeout(120000); // one `tgate ... --help` process per distinct command
    const invocations = tgateInvocations(readme);
    expect(invocations.length, '`npx tgate` lines in bash/sh blocks').to.be.at.least(5);
    const bad = invocations.map((inv) => [inv.line, badInvocation(inv.words)] as const).filter(([, why]) => why);
    expect(bad.map(([line, why]) => `line ${line}: ${why}`)).to.deep.equal([]);
  });
});

describe('the README checks themselves', () => {
  it('refuse an unknown command, an unknown subcommand and an option a command does not list', function () {
    this.timeout(60000);
    expect(badInvocation(['verify', '--cfg', 'x.json'])).to.equal(null);
    expect(badInvocation(['oauth-clients', 'create', '--check', '--component', 'c'])).to.equal(null);
    expect(badInvocation(['help', 'oauth-clients', 'create'])).to.equal(null);
    expect(badInvocation(['--version'])).to.equal(null);
    expect(badInvocation(['deploy'])).to.match(/deploy: no such command/);
    expect(badInvocation(['oauth-clients', 'make'])).to.match(/oauth-clients make: no such command/);
    expect(badInvocation(['oauth-clients'])).to.match(/needs a subcommand/);
    expect(badInvocation(['verify', '--client-secret', 's'])).to.match(/--client-secret is not among/);
    expect(badInvocation(['oauth-clients', 'check', '--component', 'c'])).to.match(/--component is not among/);
    expect(badInvocation(['help', 'nothing'])).to.match(/no command nothing/);
  });

  it('find shell-block `npx tgate` lines, joined across backslashes, and skip other blocks', () => {
    const text = [
      '```bash',
      'printf %s "$S" | npx tgate oauth-clients create \\',
      '  --check # a comment',
      '```',
      '```json',
      'npx tgate nothing',
      '```',
      '`npx tgate prose`',
    ].join('\n');
    expect(tgateInvocations(text)).to.deep.equal([{ line: 2, words: ['oauth-clients', 'create', '--check'] }]);
  });

  it('resolve anchors as GitHub does and report a missing file or heading', () => {
    expect(anchors("## Setting up the tenant's OAuth client\n```\n# not a heading\n```")).to.deep.equal(
      new Set(['setting-up-the-tenants-oauth-client']),
    );
    expect(brokenLink('README.md', 'docs/NOPE.md')).to.match(/no file docs\/NOPE.md/);
    expect(brokenLink('README.md', 'docs/CLI.md#nope')).to.match(/has no heading #nope/);
    expect(brokenLink('docs/CLI.md', '../README.md#reference')).to.equal(null);
  });
});
