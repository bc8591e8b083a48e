import { type Dispatch, type SetStateAction, useCallback, useEffect, useState } from 'react';
import { type ApiError, type Operation, request, toApiError } from './graphql';

export type QueryState<TData> = {
  data: TData | undefined;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  setData: Dispatch<SetStateAction<TData | undefined>>;
};

/**
 * Runs a query when the component mounts and whenever its variables change; `setData`
 * lets mutations patch the cached result instead of refetching.
 */
export function useQuery<TData, TVariables>(
  op: Operation<TData, TVariables>,
  variables: TVariables,
): QueryState<TData> {
  const variablesKey = JSON.stringify(variables);
  const [data, setData] = useState<TData | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` re-runs the query when reload() is called
  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    setError(null);
    request(op, JSON.parse(variablesKey) as TVariables).then(
      (result) => {
        if (cancelled) return;
        setData(result);
        setLoading(false);
      },
      (failure: unknown) => {
        if (cancelled) return;
        setError(toApiError(failure));
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [op, variablesKey, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data, error, loading, reload, setData };
}
