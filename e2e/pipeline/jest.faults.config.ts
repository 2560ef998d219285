// The fault-injection suite (`npm run test:faults`, and part of `npm test`): thousands of random trades
// while processes, the broker and the database fail underneath.
export default {
  displayName: 'pipeline-faults',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.faults-spec.ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
  testTimeout: 300000,
};
