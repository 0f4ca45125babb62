#!/usr/bin/env node
// node scripts/houseFigures.mjs [dir...]: figures of the code's upkeep, read with the TypeScript compiler
// (not with patterns, which count words in comments): `as` casts (not `as const`), eslint-disable comments,
// lines over 120 characters, the ten largest functions, and the names lib/sandbox/index.ts exports.
import ts from 'typescript';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2).length ? process.argv.slice(2) : ['lib'];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) files.push(path);
  }
};
dirs.forEach(walk);

let casts = 0;
let disables = 0;
let longLines = 0;
const functions = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  longLines += lines.filter((line) => line.length > 120).length;
  disables += (text.match(/eslint-disable/g) ?? []).length;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node) => {
    if (
      ts.isAsExpression(node) &&
      !(ts.isTypeReferenceNode(node.type) && node.type.typeName.getText(source) === 'const')
    )
      casts += 1;
    if (ts.isFunctionLike(node) && 'body' in node && node.body && ts.isBlock(node.body)) {
      const name =
        node.name?.getText(source) ??
        (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(source) : '(anonymous)');
      functions.push({
        where: `${file}:${lineOf(node.getStart(source))}`,
        name,
        lines: lineOf(node.end) - lineOf(node.getStart(source)) + 1,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
functions.sort((a, b) => b.lines - a.lines);
let sandboxExports = '-';
try {
  const index = ts.createSourceFile(
    'index.ts',
    readFileSync('lib/sandbox/index.ts', 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  sandboxExports = index.statements
    .filter(ts.isExportDeclaration)
    .reduce(
      (n, s) => n + (s.exportClause && ts.isNamedExports(s.exportClause) ? s.exportClause.elements.length : 0),
      0,
    );
} catch {
  /* no lib/sandbox/index.ts */
}
console.log(`files: ${files.length} in ${dirs.join(', ')}`);
console.log(`as casts (not as const): ${casts}`);
console.log(`eslint-disable comments: ${disables}`);
console.log(`lines over 120 characters: ${longLines}`);
console.log(`names exported by lib/sandbox/index.ts: ${sandboxExports}`);
console.log('largest functions:');
for (const f of functions.slice(0, 10)) console.log(`  ${String(f.lines).padStart(4)} lines  ${f.name}  ${f.where}`);
