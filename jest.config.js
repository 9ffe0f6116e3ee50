/** Tests mirror src/; ts-jest transpiles only (tsc type-checks the whole tree in `pretest`). */
module.exports = {
  testEnvironment: '<rootDir>/test/encoder/native-arrays-env.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 60000,
  // One PostgreSQL for the whole run: the machine's own, or a real one from npm (see the file).
  globalSetup: '<rootDir>/test/postgres-server.js',
  globalTeardown: '<rootDir>/test/postgres-teardown.js',
};
