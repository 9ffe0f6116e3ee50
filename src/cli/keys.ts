/**
 * `moderato keys`: API keys for the queue, in the store named by DATABASE_URL (the same the
 * server uses). The secret is printed once, alone on the last line of stdout, so scripts can take
 * it with `| tail -n 1`; only its SHA-256 is stored.
 */
import { parseArgs } from 'util';
import { openStore, ROLES, type Role } from '../queue';
import { configFromEnv } from '../server/config';

/** Where the command writes (process streams, or buffers in tests). */
export interface KeysIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

export const KEYS_HELP = `Usage:
  moderato keys create --role ingest|moderator|admin [--name NAME]
                        create a key; prints it alone on the last line of stdout
  moderato keys list    list keys (id, role, name, created, revoked); never the secrets
  moderato keys revoke ID
                        revoke a key at once
The store is DATABASE_URL (default sqlite:./data/moderato.db), as for "moderato serve".`;

/**
 * Runs `moderato keys ...`; resolves to the exit code (0 ok, 1 failure or bad input: MOD_ERR_INPUT
 * with the usage, as every other command).
 * @example await keysCommand(['create', '--role', 'moderator', '--name', 'alice'], { stdout: process.stdout, stderr: process.stderr })
 */
export async function keysCommand(args: string[], io: KeysIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    if (sub === undefined) {
      io.stderr.write(`moderato: MOD_ERR_INPUT: moderato keys needs a subcommand\n${KEYS_HELP}\n`);
      return 1;
    }
    io.stdout.write(KEYS_HELP + '\n');
    return 0;
  }
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
    io.stderr.write(`moderato: MOD_ERR_INPUT: unknown keys subcommand "${sub}"\n${KEYS_HELP}\n`);
    return 1;
  }
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { role: { type: 'string' }, name: { type: 'string' } } });
  let role: Role | undefined;
  if (sub === 'create') {
    if (!values.role || !(ROLES as readonly string[]).includes(values.role)) {
      io.stderr.write(`moderato: MOD_ERR_INPUT: keys create --role must be one of ${ROLES.join(', ')}${values.role ? `, got "${values.role}"` : ''}\n`);
      return 1;
    }
    role = values.role as Role;
  }
  if (sub === 'revoke' && positionals.length !== 1) {
    io.stderr.write('moderato: MOD_ERR_INPUT: keys revoke takes exactly one key id (see "moderato keys list")\n');
    return 1;
  }
  const store = await openStore(configFromEnv(env).databaseUrl);
  try {
    if (sub === 'create') {
      const k = await store.createApiKey({ role: role!, name: values.name ?? null });
      io.stdout.write(`created ${k.role} key ${k.id}${k.name ? ` (${k.name})` : ''}; store it now, it is not shown again:\n${k.key}\n`);
      return 0;
    }
    if (sub === 'list') {
      for (const k of await store.listApiKeys()) io.stdout.write(`${k.id}\t${k.role}\t${k.name ?? ''}\t${k.createdAt}\t${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}\n`);
      return 0;
    }
    if (!(await store.revokeApiKey(positionals[0]!))) {
      io.stderr.write(`moderato keys revoke: MOD_ERR_NOT_FOUND: no active key with id "${positionals[0]}"\n`);
      return 1;
    }
    io.stdout.write(`revoked ${positionals[0]}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
