// Helpers shared by the end-to-end suites and the bench: starting the built apps as processes, waiting for
// them and stopping them again. Test tooling only; no app or library may import it (see eslint.config.mjs).
export { startNodeScript, stopProcess, waitForHttp } from './lib/node-process';
export type { HttpReadiness, NodeProcess, StartNodeScriptOptions } from './lib/node-process';
export { uniqueAccount } from './lib/unique-account';
export { sleep, waitUntil } from './lib/wait';
