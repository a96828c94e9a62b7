#!/usr/bin/env node
// `npx cinderkv [redis.conf] [--port 6380 ...]`: a Redis server on the wasm engine.
import { main } from '../dist/server/cli.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
