/**
 * Import rules, checked by `npm test`:
 * - lib/core is shared mechanism: it imports no capability;
 * - capabilities are layered, so no two import each other, even through a third: each imports only
 *   those listed before it (a new capability takes its place in LAYERS);
 * - functions never import each other (each is its own Lambda), lib never imports functions,
 *   scripts or tests, and only the composition roots import lib/capabilities.ts and lib/capability-jobs.ts.
 */
const LAYERS = [
  'notify',
  'identity',
  'platform',
  'media',
  'branding',
  'apps',
  'tenants',
  'directory',
  'portal',
  'access',
  'auth',
  'realtime',
  'content',
  'notices',
  'drive',
  'messages',
  'sso',
  'todos',
  'approvals',
  'calendar',
  'home',
  'provisioning',
  'marketplace',
  'lifecycle',
]

const layerRules = LAYERS.map((name, i) => ({
  name: `layer-${name}`,
  comment: `${name} may import only ${['core', ...LAYERS.slice(0, i)].join(', ')}`,
  severity: 'error',
  from: { path: `^lib/${name}/` },
  to: { path: '^lib/[^/]+/', pathNot: `^lib/(${['core', ...LAYERS.slice(0, i + 1)].join('|')})/` },
}))

module.exports = {
  forbidden: [
    {
      name: 'core-imports-no-capability',
      severity: 'error',
      from: { path: '^lib/core/' },
      to: { path: '^lib/', pathNot: '^lib/core/' },
    },
    {
      name: 'every-capability-has-a-layer',
      comment: 'a folder of lib/ that is neither core nor in LAYERS',
      severity: 'error',
      from: { path: '^lib/[^/]+/', pathNot: `^lib/(core|${LAYERS.join('|')})/` },
      to: {},
    },
    ...layerRules,
    {
      name: 'no-cycles',
      severity: 'error',
      from: { path: '^(lib|functions)/' },
      to: { circular: true },
    },
    {
      name: 'functions-never-import-each-other',
      severity: 'error',
      from: { path: '^functions/([^/]+)/' },
      to: { path: '^functions/', pathNot: '^functions/$1/' },
    },
    {
      name: 'lib-never-imports-functions-scripts-or-tests',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(functions|scripts|test|bench)/' },
    },
    {
      name: 'only-the-composition-imports-it',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^lib/(capabilities|capability-jobs)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
}
