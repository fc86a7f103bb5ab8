// `GET /openapi.json`: the hand-written OpenAPI 3 document of the whole API. It is imported as JSON (tsc's
// resolveJsonModule) so the build emits it next to this module and no copy step can forget it; a unit
// test fails when a registered route is missing from it or it lists a route that does not exist.

import openapiDocument from './openapi.json';
import type { RouteDef } from './route-table';

export { openapiDocument };

export function openapiRoutes(version: string): RouteDef[] {
  // The document's info.version follows the running worker, not the file.
  const doc = { ...openapiDocument, info: { ...openapiDocument.info, version } };
  return [{ method: 'get', path: '/openapi.json', handler: (_req, res) => void res.json(doc) }];
}
