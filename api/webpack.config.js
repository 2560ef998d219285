// Shared with the other Node app: tools/webpack/node-app.config.js.
module.exports = require('../tools/webpack/node-app.config')(__dirname);
