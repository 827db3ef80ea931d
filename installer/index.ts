// installer/'s public face: what other areas (provision/fleet's answer server) may import.
export { parseAnswers, inFile } from './answers/parse.ts';
export { globMatch, globProblem } from './answers/glob.ts';
