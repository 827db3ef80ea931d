// The installer's public face for other areas: only what they need (manager: password hashing;
// provision/fleet's answer server: answer parsing and disk filters).
export { hashPassword } from './password.ts';
export { parseAnswers, inFile } from './answers/parse.ts';
export { compileGlob, globMatch, globProblem, matchCompiled } from './answers/glob.ts';
