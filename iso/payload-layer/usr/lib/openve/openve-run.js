/* global process */
// `openve` (the CLI) on a node: the CLI bundle (openve.js) exports main(); this runs it.
import { main } from './openve.js';

process.exitCode = await main(process.argv.slice(2));
