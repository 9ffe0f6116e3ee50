/**
 * Distributed batches on PostgreSQL through pg-boss: `submitBatch` splits an archive into chunk
 * jobs, `runWorker` (on any number of machines) scores them, `BatchStore.status` and
 * `exportBatch` follow and collect them. See ./store.ts for the tables and the exactly-once rule.
 */
export { CHUNK_QUEUE, chunkQueue, DEFAULT_CHECK_SECONDS, DEFAULT_LEASE_SECONDS, renewLeases, startBoss, type ChunkJob, type HeldJob } from './boss';
export { claimSize, DEFAULT_CLAIM_SECONDS, Heartbeat, type ClaimInput, type Lease } from './lease';
export { BatchStore, DEFAULT_BATCH_SCHEMA, parseBatchDb, type BatchDb, type BatchStatus, type ChunkRow } from './store';
export { DEFAULT_CHUNK_COMMENTS, submitBatch, type SubmitOptions, type SubmitSummary } from './submit';
export { runWorker, type WorkerOptions, type WorkerSummary } from './worker';
export { exportBatch } from './export';
