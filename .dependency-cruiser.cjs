// The layering check `make test` runs (npm run check:layers): every import points down.
//   config → db → core → workflows → temporal → activities → worker;  api beside the worker, HTTP only;
//   scripts and bench on top; test may import anything it tests.
// Workflows may import activities' and queries' *types* (the samples-typescript way to type
// proxyActivities); those imports vanish at compile time and keep the bundle deterministic.
/** @type {import('dependency-cruiser').IConfiguration} */
const layer = (name, mayImport) => ({
  name: `${name}-imports-only-below`,
  comment: `${name}/ may import only ${mayImport.join(', ')} (and itself)`,
  severity: 'error',
  from: { path: `^${name}/` },
  to: { path: '^(api|activities|bench|config|core|db|scripts|temporal|test|worker|workflows)/', pathNot: `^(${[name, ...mayImport].join('|')})/` },
});

module.exports = {
  forbidden: [
    layer('config', []),
    layer('db', ['config']),
    layer('core', ['config', 'db']),
    {
      ...layer('workflows', []),
      comment: 'workflows/ is deterministic code bundled for the worker: only type imports from below',
      to: { ...layer('workflows', []).to, dependencyTypesNot: ['type-only'] },
    },
    layer('temporal', ['config', 'core', 'workflows']),
    layer('activities', ['config', 'db', 'core', 'workflows', 'temporal']),
    layer('worker', ['config', 'db', 'core', 'workflows', 'temporal', 'activities']),
    layer('api', ['config', 'db', 'core', 'workflows', 'temporal']),
    layer('scripts', ['config', 'db', 'core', 'workflows', 'temporal', 'activities', 'worker']),
    layer('bench', ['config', 'db', 'core', 'workflows', 'temporal', 'scripts']),
    {
      name: 'services-stay-apart',
      comment: 'one service’s HTTP code never reaches into another’s; what they share is in api/shared or core/',
      severity: 'error',
      from: { path: '^api/(auth|media|cloud|dental)/' },
      to: { path: '^api/(auth|media|cloud|dental)/', pathNot: '^api/$1/' },
    },
    {
      name: 'no-circular',
      comment: 'a cycle of runtime imports makes load order matter; type-only cycles vanish at compile time',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
