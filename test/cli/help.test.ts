/**
 * Regression (issue 30): `moderato --help` did not list `keys list` and `keys revoke`. Every
 * command the dispatcher knows (read from src/cli/index.ts, so a new one is checked too) and every
 * `keys` subcommand must be in the overview, and each command's own --help must answer its usage.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'moderato.js');
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

const source = fs.readFileSync(path.join(ROOT, 'src', 'cli', 'index.ts'), 'utf8');
const main = source.slice(source.indexOf('export async function main'));
const commands = [...main.matchAll(/case '([a-z]+)':/g)].map((m) => m[1]!).filter((c) => c !== 'help');

it('the dispatcher is where the commands are read from', () => {
  expect(commands).toEqual(expect.arrayContaining(['score', 'serve', 'batch', 'worker', 'report', 'keys']));
});

it('moderato --help lists every command and every keys subcommand', () => {
  const r = run(['--help']);
  expect(r.status).toBe(0);
  for (const c of commands) expect(r.stdout).toMatch(new RegExp(`^  moderato ${c}\\b`, 'm'));
  for (const sub of ['create', 'list', 'revoke']) expect(r.stdout).toMatch(new RegExp(`^  moderato keys ${sub}\\b`, 'm'));
});

it.each(commands.map((c) => [c]))('moderato %s --help prints its usage and exits 0', (c) => {
  const r = run([c, '--help']);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/Usage/);
  expect(r.stderr).not.toMatch(/MOD_ERR/);
});
