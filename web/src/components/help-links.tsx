import { useQuery } from '@tanstack/react-query';

/**
 * GraphiQL is served only by non-production servers (docs/api.md). Rather than link a page that
 * may not exist, ask `/graphql` once whether it answers a browser with a page.
 */
async function graphiqlAvailable(): Promise<boolean> {
  try {
    const response = await fetch('/graphql', { method: 'HEAD', headers: { Accept: 'text/html' } });
    return response.ok && (response.headers.get('content-type') ?? '').startsWith('text/html');
  } catch {
    return false;
  }
}

/**
 * Where to learn the API: the OpenAPI description, GraphiQL (development servers) and the
 * repository's guides, which the server does not serve, so they are named rather than linked.
 */
export function HelpLinks() {
  const graphiql = useQuery({
    queryKey: ['help', 'graphiql'],
    queryFn: graphiqlAvailable,
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  return (
    <footer className="app-footer">
      <nav aria-label="Help" className="app-footer-inner">
        <span className="app-footer-title">Help</span>
        <a href="/api/openapi.json">REST reference (OpenAPI)</a>
        {graphiql.data ? <a href="/graphql">GraphQL explorer (GraphiQL)</a> : null}
        <span>
          Guide: the section “The API” of <code>README.md</code> in the Keyward repository, and{' '}
          <code>docs/api.md</code>.
        </span>
      </nav>
    </footer>
  );
}
