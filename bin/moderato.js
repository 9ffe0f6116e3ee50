#!/usr/bin/env node
'use strict';
// Keep natural's dotenv quiet: its tips go to stdout and would corrupt JSONL output.
process.env.DOTENV_CONFIG_QUIET = process.env.DOTENV_CONFIG_QUIET || 'true';
require('../dist/src/cli/index.js').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`moderato: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 1; },
);
