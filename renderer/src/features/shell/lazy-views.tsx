import { lazy, Suspense, type ReactNode } from 'react';

/**
 * The views that are not on screen when the window opens, loaded the first time they are shown.
 * Their code (CodeMirror for Publish, uPlot for Health, the analysis and consumer screens) is
 * most of the bundle; evaluating it all before the first paint was one long task on a window
 * opening on thousands of shards (tester report item 8). Each is a separate module file from
 * 'self', which the CSP allows; a view's styles stay in the one stylesheet (cssCodeSplit off).
 */
export const PublisherView = lazy(async () => ({ default: (await import('../publisher/PublisherView')).PublisherView }));
export const AnalysisView = lazy(async () => ({ default: (await import('../analysis/AnalysisView')).AnalysisView }));
export const HealthView = lazy(async () => ({ default: (await import('../health/HealthView')).HealthView }));
export const ConsumerView = lazy(async () => ({ default: (await import('../consumer/ConsumerView')).ConsumerView }));

/** While a view's module loads (a few ms from disk or loopback): a spinner in its pane. */
export function ViewLoading({ children }: { children: ReactNode }) {
  return (
    <Suspense
      fallback={
        <main className="pane view-loading" aria-busy="true" data-view-loading>
          <span className="spinner" aria-hidden="true" />
        </main>
      }
    >
      {children}
    </Suspense>
  );
}
