// The webpack build of a Node app (api, matcher): one bundle in dist/<app>, with the package.json that lists
// exactly what it requires (the images install only those).
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { basename, join } = require('path');

/** @param {string} appDir the app's folder (its webpack.config.js passes __dirname) */
module.exports = function nodeAppConfig(appDir) {
  return {
    output: { path: join(__dirname, '../../dist', basename(appDir)) },
    devtool: 'source-map',
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: true,
        sourceMap: true,
      }),
    ],
  };
};
