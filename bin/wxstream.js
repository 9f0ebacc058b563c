#!/usr/bin/env node
// Entry point for the `wxstream` command. The CLI is TypeScript run through tsx, so what runs is always
// the source in the checkout (no stale build); worker threads get the same loader (see src/training/pool.ts).
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
