import nx from '@nx/eslint-plugin';
import baseConfig from '../eslint.config.mjs';

export default [
  ...baseConfig,
  ...nx.configs['flat/angular'],
  ...nx.configs['flat/angular-template'],
  {
    files: ['**/*.ts'],
    rules: {
      '@angular-eslint/directive-selector': [
        'error',
        { type: 'attribute', prefix: 'lw', style: 'camelCase' },
      ],
      '@angular-eslint/component-selector': ['error', { type: 'element', prefix: 'lw', style: 'kebab-case' }],
      // Server code never reaches the browser bundle (tags already fence off libs; this also covers npm packages).
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@lotwise/server-*', '@nestjs/*', 'typeorm', 'kafkajs', 'pg'],
              message: 'The web app must not import server code; use the types in @lotwise/contracts.',
            },
          ],
        },
      ],
    },
  },
];
