/** The way back to the dashboard from an editor page. */
export function BackToExperiments() {
  return (
    <p className="text-sm">
      <a className="underline" href="/admin/experiments">
        ← Experiments
      </a>
    </p>
  );
}
