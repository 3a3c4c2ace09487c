#!/usr/bin/env node
// The `ratchet` command. Runs under the project's Node 22 (npx and npm scripts put it first on PATH).
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
