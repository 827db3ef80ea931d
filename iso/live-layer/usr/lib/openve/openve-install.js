/* global process */
// `openve-install` on the live system: the installer bundle (cli.js and its chunks, esbuild) exports
// main(); this runs it with the command line.
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
