// StrykerJS over the modules that guard input or access (issue 25). Run it through
// `npm run test:mutation` (scripts/mutation.js): one Stryker run per module, each pointed at only the
// test files that exercise that module, so a module takes minutes rather than an hour.
// POLYPSEG_MUTATE picks the module (a key of GUARDED_MODULES); the JSON report lands in
// reports/mutation/<name>.json.

/**
 * Each guarding module and the test files that exercise it, fastest first: the tap runner stops at
 * the first file that kills a mutant, so the unit tests answer most mutants before a server starts.
 */
export const GUARDED_MODULES = {
  'src/server/access.ts': [
    'test/server/guards-access.test.ts',
    'test/server/access.test.ts',
    'test/server/access-spellings.test.ts',
  ],
  // hardening.test.ts covers it too but takes minutes per run on a loaded machine; the unit file reads
  // the same reader over loopback HTTP
  'src/server/multipart.ts': ['test/server/guards-multipart.test.ts'],
  'src/server/sniff.ts': ['test/server/guards-sniff.test.ts', 'test/server/units.test.ts'],
  'src/server/limiter.ts': ['test/server/guards-limiter.test.ts', 'test/server/units.test.ts'],
  // live mode's WebSocket guard: the frame header check and the session (hello/token, rate, idle,
  // heartbeat, unread answers); the hostile test starts a real server with a fixture model
  'src/server/live/protocol.ts': [
    'test/server/guards-live.test.ts',
    'test/server/live-units.test.ts',
    'test/server/live-hostile.test.ts',
  ],
  'src/server/live/session.ts': ['test/server/live-hostile.test.ts', 'test/server/live-api.test.ts'],
};

const file = process.env.POLYPSEG_MUTATE ?? 'src/server/access.ts';
const testFiles = process.env.POLYPSEG_MUTATION_TESTS?.split(',') ?? GUARDED_MODULES[file];
if (!testFiles)
  throw new Error(`${file} is not a guarded module: ${Object.keys(GUARDED_MODULES).join(', ')}`);
const name = file.replace(/^src\//, '').replace(/[/.]/g, '-');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [file],
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  tap: {
    testFiles,
    // node:test prints TAP when stdout is a pipe; tsx runs the (instrumented) TypeScript as is
    nodeArgs: ['--test-reporter=tap', '-r', '{{hookFile}}', '--import', 'tsx', '{{testFile}}'],
  },
  // per test file: a mutant runs only the files that reached it
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.POLYPSEG_MUTATION_CONCURRENCY ?? 2),
  // generous: on a loaded machine a mutant no test kills must run to the end and count as survived,
  // not stop at the time limit and count as detected (a timeout counts as detected)
  timeoutFactor: 3,
  timeoutMS: 60_000,
  reporters: ['json', 'progress'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  // the sandbox needs the code and the tests, not the models, docs or run outputs
  ignorePatterns: [
    '/models',
    '/docs',
    '/runs',
    '/bench',
    '/web/dist',
    '/reports',
    '/.polypseg-data',
    '/test-output',
  ],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  disableTypeChecks: '{src,test}/**/*.ts',
};
