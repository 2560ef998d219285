import { createCjsPreset } from 'jest-preset-angular/presets/index.js';

// jest-preset-angular 17: the preset factory supplies the Angular transformer (tsconfig.spec.json),
// transformIgnorePatterns for Angular's .mjs bundles and the snapshot serializers. The workspace
// preset adds Nx's module resolver, so `@lotwise/*` paths from tsconfig.base.json resolve in tests.
const angularPreset = createCjsPreset({ tsconfig: '<rootDir>/tsconfig.spec.json' });

export default {
  ...angularPreset,
  displayName: 'web',
  preset: '../jest.preset.js',
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../coverage/web',
};
