import type { ServiceProcess } from '@platform/testing';

/** A service's HTTP routes (`METHOD /template`), from the table it logs at start (see @platform/bootstrap recordRoutes). */
export function routeTableOf(service: ServiceProcess): string[] {
  for (const line of service.logs().split('\n')) {
    if (!line.includes('"msg":"http routes"')) continue;
    return (JSON.parse(line) as { routes: string[] }).routes;
  }
  throw new Error(`${service.name} did not log its route table`);
}
