import * as fs from 'fs';
import * as path from 'path';
import { ERROR_CODES, ModeratoError, isModeratoError } from '../src/errors';

describe('error registry', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

  it.each(Object.keys(ERROR_CODES))('%s is documented in README.md', (code) => {
    expect(readme).toContain(`\`${code}\``);
  });

  it('README.md documents no code the registry lacks', () => {
    const documented = new Set(readme.match(/MOD_ERR_[A-Z_]+/g) ?? []);
    expect([...documented].filter((c) => !(c in ERROR_CODES))).toEqual([]);
  });

  it.each(Object.entries(ERROR_CODES))('%s has an HTTP status', (_code, spec) => {
    expect(spec.status).toBeGreaterThanOrEqual(400);
    expect(spec.status).toBeLessThan(600);
  });

  it('serialises to the API error body', () => {
    const e = new ModeratoError('MOD_ERR_CONFLICT', 'already decided', { id: 'c1' });
    expect(e.status).toBe(409);
    expect(e.toJSON()).toEqual({ error: { code: 'MOD_ERR_CONFLICT', message: 'already decided', details: { id: 'c1' } } });
    expect(isModeratoError(e)).toBe(true);
    expect(isModeratoError(new Error('x'))).toBe(false);
  });
});
