/* global process */
// `openve-manager` on a node: the manager bundle (openve-manager.js and its chunks) exports main();
// this runs it with the command line (no flags: HTTPS on 0.0.0.0:8006, state /var/lib/openve/manager).
import { main } from './openve-manager.js';

process.exitCode = await main(process.argv.slice(2));
