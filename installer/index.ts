// The installer's public face for other areas: only what they need.
export { hashPassword } from './password.ts';
