#!/usr/bin/env node
// The `novacell` bin: loads the TypeScript CLI through tsx's loader in this same process (no build
// step, no child process), so signals such as SIGTERM reach the command itself.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
