/**
 * @module
 * The one way pages show a failed request: the server's message, its code and request id (for
 * logs). It stays until the next attempt; outcomes that went well are toasts (toast.tsx).
 */
import { ApiError } from '../api';
import { errorMessage } from './format';

export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  return (
    <div class="banner banner-error" role="alert">
      <p>{errorMessage(error)}</p>
      {api && (api.requestId || api.code !== 'NETWORK') && (
        <p class="small muted">
          {api.code}
          {api.requestId && (
            <>
              {' · request id '}
              <code data-testid="request-id">{api.requestId}</code>
            </>
          )}
        </p>
      )}
      {onRetry && (
        <button type="button" class="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
