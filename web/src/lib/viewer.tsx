import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { operation, request, setUnauthenticatedHandler } from './graphql';

export type Viewer = {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  plan: string;
  role: string;
};

export const VIEWER_FIELDS = 'id email name emailVerified plan role';

export const viewerQuery = operation<{ viewer: Viewer | null }>(
  `query Viewer { viewer { ${VIEWER_FIELDS} } }`,
);

type ViewerValue = {
  viewer: Viewer | null;
  setViewer: (viewer: Viewer | null) => void;
  refreshViewer: () => Promise<void>;
};

const ViewerContext = createContext<ViewerValue | null>(null);

async function fetchViewer(): Promise<Viewer | null> {
  try {
    return (await request(viewerQuery, {})).viewer;
  } catch {
    // An expired session answers 401 and the server clears the cookie: treat it as anonymous.
    return null;
  }
}

/** Loads the signed-in account once; any UNAUTHENTICATED answer later signs the app out. */
export function ViewerProvider({ children }: { children: ReactNode }) {
  const [viewer, setViewer] = useState<Viewer | null | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    setUnauthenticatedHandler(() => setViewer(null));
    fetchViewer().then((loaded) => {
      if (!cancelled) setViewer(loaded);
    });
    return () => {
      cancelled = true;
    };
  }, []);

  const refreshViewer = useCallback(async () => {
    setViewer(await fetchViewer());
  }, []);

  const value = useMemo(
    () => (viewer === undefined ? null : { viewer, setViewer, refreshViewer }),
    [viewer, refreshViewer],
  );

  if (!value) {
    return (
      <p className="app-loading" role="status">
        Loading…
      </p>
    );
  }
  return <ViewerContext.Provider value={value}>{children}</ViewerContext.Provider>;
}

export function useViewer(): ViewerValue {
  const value = useContext(ViewerContext);
  if (!value) throw new Error('useViewer needs a <ViewerProvider>.');
  return value;
}

/** The viewer on pages behind <RequireAuth>, where it is never null. */
export function useSignedInViewer(): Viewer {
  const { viewer } = useViewer();
  if (!viewer) throw new Error('This page needs a signed-in viewer.');
  return viewer;
}
