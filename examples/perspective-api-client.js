// Points the npm `perspective-api-client` (which hard-codes Google's address) at Moderato.
// Usage: npm install perspective-api-client
//        MODERATO_URL=http://localhost:8080 MODERATO_KEY=... node examples/perspective-api-client.js
'use strict';
const path = require('path');
const Perspective = require('perspective-api-client');

// The client posts with the shared default axios instance; rewrite Google's origin on that same
// instance (the copy the client itself resolves, not another one in this project).
const axios = require(require.resolve('axios', { paths: [path.dirname(require.resolve('perspective-api-client'))] }));
const MODERATO = process.env.MODERATO_URL || 'http://localhost:8080';
axios.interceptors.request.use((config) => {
  config.url = config.url.replace('https://commentanalyzer.googleapis.com', MODERATO);
  return config;
});

(async () => {
  // Moderato ignores the key unless MODERATO_SCORE_REQUIRES_KEY is on, but the client insists on one.
  const perspective = new Perspective({ apiKey: process.env.MODERATO_KEY || 'unused' });
  const long = 'The council approved the footbridge over the harbour. '.repeat(370) + 'You are a stupid idiot.';
  const result = await perspective.analyze(long, { attributes: ['toxicity', 'insult'], truncate: true });
  console.log(long.length, JSON.stringify(result.attributeScores));
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
