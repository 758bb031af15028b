// Worker threads start without the parent's TypeScript loader when the CLI registered tsx through
// its API (bin/polypseg.js), so each inference thread registers it before loading its TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('./infer-worker.ts');
