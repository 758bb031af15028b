// Worker threads start without the parent's TypeScript loader when the CLI registered tsx through
// its API (bin/polypseg.js), so each thread registers it before loading its TypeScript entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
