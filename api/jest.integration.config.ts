// Runs against the real PostgreSQL that scripts/lotwise.mjs prepares for the tests (POSTGRES_* variables).
export default {
  displayName: 'api:integration',
  preset: '../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.int-spec.ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
  testTimeout: 60000,
};
