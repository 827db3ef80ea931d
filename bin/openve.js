#!/usr/bin/env node
import { run } from './_run.js';
await run('openve');
