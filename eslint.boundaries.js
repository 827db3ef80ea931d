// The layers, enforced (README "Layers"):
//   lib/  <-  contracts/  <-  installer/, iso/, provision/, manager/server/, manager/cli/
//   manager/web/ (the browser bundle) imports contracts/ only.
// An area never reaches into another area's internals: at most its index.ts. The command runner
// is made only by createRunner (lib/exec/index.ts), and only lib/exec/ starts processes
// (node:child_process, execa): every other child goes through the runner (run, or stream for byte
// streams). test/ may import anything.
// no-restricted-imports sees only static imports, so the same patterns are checked on dynamic
// `import('...')` with a literal source by no-restricted-syntax (the CLI loads commands lazily).
// Used by eslint.config.js; test/unit/boundaries.test.ts proves a bad import fails lint.

const AREAS = ['installer', 'iso', 'provision', 'manager'];

/** an import specifier that climbs out of the current area into `dir`, except `dir/index.ts` */
const into = (dir, allowIndex = true) => `^(\\.\\./)+${dir}/${allowIndex ? '(?!index\\.ts$)' : ''}`;

// `import { z } from 'zod'` is the namespace as one object: esbuild then keeps all of zod (its 40
// locales too) in every bundle that touches a schema (+490 KB on `validate`'s start-up path).
const ZOD_AS_OBJECT = {
  selector:
    "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier[imported.name='z'][importKind!='type']",
  message: "use import * as z from 'zod' (tree-shaken; { z } bundles all of zod's locales)",
};
const rule = (patterns) => ['error', { patterns }];
/** the same patterns for `import('...')` (esquery regexes cannot hold a `/`, hence \x2f), and zod's z */
const dynamic = (patterns) => [
  'error',
  ...patterns.map(({ regex, message }) => ({
    selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\x2f')}/]`,
    message,
  })),
  ZOD_AS_OBJECT,
];
/** both rules for one list of patterns */
const rules = (patterns) => ({
  'no-restricted-imports': rule(patterns),
  'no-restricted-syntax': dynamic(patterns),
});
const deny = (dir, message, allowIndex = true) => ({ regex: into(dir, allowIndex), message });

const RUNNER_INTERNALS = {
  regex: '(^|/)lib/exec/(runner|probe|dry|recording|factory|types|log|redact|path)\\.ts$',
  message: 'make runners with createRunner from lib/exec/index.ts (the one constructor)',
};

const SPAWNERS = {
  regex: '^(node:)?child_process$|^execa$',
  message:
    'start processes through the command runner (createRunner: run, or stream for byte streams), not child_process/execa',
};

const otherAreas = (self) =>
  AREAS.filter((a) => a !== self).map((a) =>
    deny(a, `${self}/ may import another area only through its index.ts (${a}/index.ts)`),
  );

const LIB = ['contracts', ...AREAS].map((a) =>
  deny(a, `lib/ is the bottom layer: it imports nothing of ${a}/`, false),
);

export const boundaries = [
  {
    files: ['lib/**/*.{ts,tsx}'],
    ignores: ['lib/exec/**'],
    rules: rules([...LIB, SPAWNERS]),
  },
  {
    files: ['lib/exec/**/*.{ts,tsx}'],
    rules: rules(LIB),
  },
  {
    files: ['contracts/**/*.{ts,tsx}'],
    rules: rules([
      ...AREAS.map((a) => deny(a, `contracts/ imports only lib/ (and zod), never ${a}/`, false)),
      SPAWNERS,
    ]),
  },
  ...['installer', 'iso', 'provision'].map((area) => ({
    files: [`${area}/**/*.{ts,tsx}`],
    rules: rules([...otherAreas(area), RUNNER_INTERNALS, SPAWNERS]),
  })),
  {
    files: ['manager/**/*.{ts,tsx}'],
    ignores: ['manager/web/**'],
    rules: rules([...otherAreas('manager'), RUNNER_INTERNALS, SPAWNERS]),
  },
  {
    files: ['manager/web/**/*.{ts,tsx}'],
    rules: rules([
      {
        regex: '^(\\.\\./)+(lib|installer|iso|provision)/|^(\\.\\./)+(server|cli)/|^node:',
        message: 'manager/web/ (the browser bundle) imports contracts/ only',
      },
    ]),
  },
];
