/** Jest's globalTeardown: stops the embedded PostgreSQL of test/postgres-server.js, if one was started. */
module.exports = require('./postgres-server').teardown;
