// iso/'s public face: what other areas (the `openve-install build-iso` command) may import.
export { DEFAULT_CACHE_DIR, REPO_ROOT, isMeasurementArg } from './recipe/recipe.ts';
export { liveBase, targetBase, templateBase, type StageContext } from './recipe/stages.ts';
export { assemble } from './recipe/assemble.ts';
export { progressView } from './recipe/progress.ts';
export { prepareIso, type AnswerCheck, type PrepareOptions } from './prepare/prepare-iso.ts';
