// ESLint for the repository (run by `npm test` through `pretest`): typescript-eslint's
// strictTypeChecked on every TypeScript file, import-x's no-cycle, and "time only through the Clock"
// for src/. Where a rule is relaxed, the line says why.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'data/',
      '.tmp/',
      // Compiled on its own against the built declarations, as a user would (test/types/public-types.test.ts).
      'test/types/fixtures/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: './tsconfig.eslint.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    // The dashboard's browser code: its own program (DOM types, no Node), src/ui/tsconfig.json.
    files: ['src/ui/**/*.ts'],
    languageOptions: {
      parserOptions: { project: './src/ui/tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Dependencies are .ts files too: no-cycle parses them to follow their imports.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        // Sources import each other as `./file.js` (NodeNext); the file on disk is `./file.ts`.
        createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: {
      // Packages cannot import back into this repository; walking them only costs time.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // Numbers and booleans print plainly in messages; objects, null and undefined stay flagged.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `() => void call()` shorthand callbacks (listeners, timers, then) are idiomatic, not confusing.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // An `async` method that does not await still turns a throw into a rejection, as the
      // interfaces it implements (JobStore, Executor) promise their callers.
      '@typescript-eslint/require-await': 'off',
      // Defensive checks are deliberate: TypeScript's narrowing does not see state changed across an
      // await (scheduler states), nor values a plain-JavaScript caller or a test hook left unset.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Number()/String() on driver rows and caller input: pg hands some int8 columns back as strings
      // whatever the static row type says.
      '@typescript-eslint/no-unnecessary-type-conversion': 'off',
      // String(unknown) is the deliberate last resort for messages of unknown throws and caller input.
      '@typescript-eslint/no-base-to-string': 'off',
      // The regexes that reject control characters in ids name them on purpose.
      'no-control-regex': 'off',
      // Harness, store and context objects carry functions as method-shorthand members; none uses `this`.
      '@typescript-eslint/unbound-method': 'off',
      // `TriggerKind | string` names the built-in kinds in a signature that also takes registered ones.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // Node's createServer and emitters take Koa's callback and async listeners, which handle their own errors.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      // A leading underscore marks a parameter or binding kept for its position or shape.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Time only through the Clock (STYLE.md): the scheduler reads the time and sets timers through
    // an injected Clock so tests drive it with ManualClock. src/clock/ is where the real ones live;
    // example task modules are user code run by jobs, not the scheduler's.
    files: ['src/**/*.ts'],
    // The dashboard (src/ui/) runs in the viewer's browser and shows the viewer's time: no scheduler Clock there.
    ignores: ['src/clock/**', 'src/server/example-tasks/**', 'src/ui/**'],
    rules: {
      'no-restricted-globals': ['error',
        ...['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'performance'].map((name) => ({
          name,
          message: 'Use the injected Clock (src/clock/clock.ts) for time and timers.',
        })),
      ],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Read the time from the injected Clock: clock.now().' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Read the time from the injected Clock: clock.now().' },
        { selector: "CallExpression[callee.name='Date']", message: 'Read the time from the injected Clock: clock.now().' },
        { selector: "MemberExpression[object.name='process'][property.name='hrtime']", message: 'Read the time from the injected Clock.' },
      ],
      'no-restricted-imports': ['error', {
        paths: ['node:timers', 'node:timers/promises', 'timers', 'timers/promises'].map((name) => ({
          name,
          message: 'Use the injected Clock (src/clock/clock.ts) for timers.',
        })),
      }],
    },
  },
  {
    // Migrations run against the database as it is, before any schema type: Kysely<any> is
    // Kysely's own migration signature.
    files: ['migrations/**/*.ts', 'src/stores/sql/migration-provider.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests only.
    files: ['test/**/*.ts'],
    rules: {
      // A test states that a fixture value exists (`rows[0]!`); were it missing, the test fails anyway.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Response bodies are read as `any` JSON (test/http/http-harness.ts) and their shape is what
      // the chai assertions check.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Rejection callbacks read the error the test expects (`(error: Error) => error.message`).
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'off',
      // Tests cast a factory's trigger or store to the class they know it is, to read its fields.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      // Test helpers put the failing command's output in the message; its exit error adds nothing.
      'preserve-caught-error': 'off',
      // chai's property assertions: `expect(list).to.be.empty`.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  {
    // Plain JavaScript (scripts/build.mjs runs before anything is compiled): not in a TypeScript program.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
      },
    },
  },
);
