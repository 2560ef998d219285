'use strict';
// Preloaded into the api and matcher by `npm run bench -- --profile` (NODE_OPTIONS=--require). The first SIGUSR2
// starts the inspector's CPU profiler (the bench sends it once the app is ready, so start-up is left out); the
// second stops it and writes a .cpuprofile to LOTWISE_BENCH_PROFILE. node's own --cpu-prof would never be
// written: Nest re-raises SIGTERM after its shutdown hooks.
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');

const out = process.env.LOTWISE_BENCH_PROFILE;
if (out) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')),
      );
      return;
    }
    session.post('Profiler.stop', (error, result) => {
      if (!error && result) writeFileSync(out, JSON.stringify(result.profile));
    });
  });
}
