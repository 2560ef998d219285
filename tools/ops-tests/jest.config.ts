// Deployment files checked without a Docker engine: docker-compose.yml against the Compose Specification,
// the Dockerfiles against the build context, the env examples against what the files use.
export default {
  displayName: 'ops-tests',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js'],
};
