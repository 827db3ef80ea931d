// provision/'s public face: what other areas (installer/cli.ts registers `serve` and `report`) may
// import. Loaded lazily: the commands pull in their modules only when run.
export const fleetCommands = {
  serve: () => import('./fleet/serve.ts'),
  report: () => import('./fleet/report.ts'),
};
