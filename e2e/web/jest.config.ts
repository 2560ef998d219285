// Browser end-to-end tests: the production build of web (dist/web/browser) served by a small Node server
// that proxies /api to the built api, with the built matcher, against the real PostgreSQL and Kafka that
// scripts/lotwise.mjs prepares for `npm test`. Chromium is Debian's /usr/bin/chromium via playwright-core.
export default {
  displayName: 'web-e2e',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
  testTimeout: 180000,
};
