import { KeywardError } from '../errors.js';
import { redactTokenSecrets } from '../tokens/token-secret.js';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface RouteMatch {
  params: Record<string, string>;
}

export interface Route<H> {
  method: Method;
  /** Path with `:name` segments, e.g. `/api/tokens/:id`. */
  path: string;
  handler: H;
}

interface CompiledRoute<H> extends Route<H> {
  pattern: RegExp;
  names: string[];
}

/** A tiny table router: exact segments and `:param` segments; 404 for unknown paths, 405 for known paths with another method. */
export class Router<H> {
  private readonly routes: CompiledRoute<H>[];

  constructor(routes: Route<H>[]) {
    this.routes = routes.map((route) => {
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((segment) => {
          if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(segment.slice(1));
          return '([^/]+)';
        })
        .join('/');
      return { ...route, names, pattern: new RegExp(`^${source}/?$`) };
    });
  }

  match(method: string, path: string): { handler: H; params: Record<string, string> } {
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      if (route.method !== method) {
        allowed.add(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        params[name] = safeDecode(found[index + 1] ?? '');
      });
      return { handler: route.handler, params };
    }
    if (allowed.size > 0) {
      throw new KeywardError(
        'method_not_allowed',
        `${method} is not allowed on ${redactTokenSecrets(path)}.`,
        {
          headers: { Allow: [...allowed].join(', ') },
        },
      );
    }
    throw new KeywardError('not_found', `No route ${method} ${redactTokenSecrets(path)}.`);
  }
}

/** A malformed escape (e.g. `%E0`) is kept as-is: it then matches nothing and answers 404, not 500. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
