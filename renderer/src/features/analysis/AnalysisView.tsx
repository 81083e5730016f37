/**
 * PLACEHOLDER, not a feature: the analysis view is being built under its own issue. Until then the
 * tab says so plainly.
 */
export function AnalysisView() {
  return (
    <main className="pane pane-empty" data-view="analysis">
      <p className="muted">This view is not built yet.</p>
    </main>
  );
}
