// What `pveca` does, one module per verb, as functions over a context (paths, runner, control).
// Shared by the CLI (provision/pveca.ts) and the first-boot cluster unit.
export * from './context.ts';
export * from './create.ts';
export * from './join.ts';
export * from './list.ts';
export * from './info.ts';
export * from './remove.ts';
export * from './leave.ts';
export * from './upgradeCa.ts';
