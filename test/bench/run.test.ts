/** `npm run bench` on a machine without the shared data: one line naming what is missing, exit 1, no stack trace. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCH = join(__dirname, '..', '..', 'dist', 'bench', 'run.js');

describe('npm run bench without its inputs', () => {
  it.each([
    ['a missing datasets folder', ['--datasets', '/nonexistent/moderato-datasets'], /^bench: MOD_ERR_CONFIG: npm run bench needs the tsd_trial posts .*datasets folder not found: \/nonexistent\/moderato-datasets/],
    ['an unknown option', ['--nope'], /^bench: MOD_ERR_INPUT: Unknown option '--nope'; usage: npm run bench/],
    ['a bad round count', ['--rounds', 'x'], /^bench: MOD_ERR_INPUT: --rounds must be a whole number >= 1, got x/],
  ])('%s is one line and exit 1', (_what, args, message) => {
    const r = spawnSync(process.execPath, [BENCH, ...args], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
