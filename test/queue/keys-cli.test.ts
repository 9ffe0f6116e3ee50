/** `moderato keys` against both stores: the key alone on stdout's last line, hashed at rest, list and revoke. */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { keysCommand } from '../../src/cli/keys';
import { hashApiKey } from '../../src/queue';
import { KINDS, eachTestStore } from './helpers';

/** Runs the command with captured output. */
async function run(args: string[], url: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await keysCommand(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } }, { DATABASE_URL: url });
  return { code, out, err };
}

describe.each(KINDS)('moderato keys on %s', (kind) => {
  const t = eachTestStore(kind);

  it('creates a key printed alone on the last line, stored only as its hash, then lists and revokes it', async () => {
    const r = await run(['create', '--role', 'moderator', '--name', 'alice'], t.db.url);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    const key = lines[lines.length - 1]!;
    expect(key).toMatch(/^mod_[A-Za-z0-9_-]{43}$/);
    const rec = await t.store.findApiKey(hashApiKey(key));
    expect(rec).toMatchObject({ role: 'moderator', name: 'alice' });
    if (kind === 'sqlite') {
      // The secret is nowhere in the database files.
      const dir = dirname(t.db.url.slice('sqlite:'.length));
      for (const f of readdirSync(dir)) expect(readFileSync(`${dir}/${f}`).includes(key)).toBe(false);
    }
    const list = await run(['list'], t.db.url);
    expect(list.out).toContain(`${rec!.id}\tmoderator\talice`);
    expect(list.out).not.toContain(key);
    expect((await run(['revoke', rec!.id], t.db.url)).code).toBe(0);
    expect(await t.store.findApiKey(hashApiKey(key))).toBeNull();
    expect((await run(['revoke', rec!.id], t.db.url)).code).not.toBe(0);
  });

  it.each([[[]], [['create']], [['create', '--role', 'root']], [['frobnicate']], [['revoke']]])('refuses %j with MOD_ERR_INPUT and exit code 1, as every command', async (args) => {
    const r = await run(args, t.db.url);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^moderato: MOD_ERR_INPUT: /);
    expect(r.out).toBe('');
  });
});
