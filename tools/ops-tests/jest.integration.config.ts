// The built api and matcher (dist/) started with bad or compose-provided configuration; no database or broker.
export default {
  displayName: 'ops-tests:integration',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.int-spec.ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
  testTimeout: 60000,
};
