// The contracts of every boundary, as zod schemas and the types inferred from them: what crosses
// a process or the network is parsed with these (contracts/json.ts), never cast. The only folder
// besides lib/ that every area (and the manager's browser bundle) may import.
export * from './json.ts';
export * from './cluster.ts';
export * from './node/types.ts';
export { nodeConfigSchema, firstBootDoneSchema, type FirstBootDone } from './node/schema.ts';
export * from './progress.ts';
export { progressEventSchema, parseProgressLines } from './progress-schema.ts';
export type * from './answers/types.ts';
export { answerFileSchema, answerFileJsonSchema, type RawAnswerFile } from './answers/schema.ts';
export type * from './hardware/types.ts';
export { hardwareProfileSchema, checkHardwareProfile } from './hardware/schema.ts';
export type * from './plan/types.ts';
export { secretPlaceholder } from './plan/types.ts';
