/**
 * The jobs module's face (ADR 0110). A module queues its jobs with `enqueueJob(trx, job)`
 * inside its own transaction, and hands its handlers to the runner that server.ts starts.
 */

export { InstanceLease } from './instance-lease.ts';
export { type JobHandler, JobRunner, type JobRunnerOptions, PermanentJobError } from './job-runner.ts';
export { countJobs, deleteJobsOfCase, enqueueJob, type NewJob } from './jobs.repository.ts';
