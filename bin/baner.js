#!/usr/bin/env node
// The `baner` command: runs the TypeScript CLI through tsx (a dependency), so no build step is needed.
require('tsx/cjs/api').register();
require('../src/cli/main.ts');
