import { getConfig } from '@/lib/config';
import { requestPreview } from '@/lib/experiments/request';

/** Marks every page while a marketer previews an arm (lib/experiments/preview.ts): what it is, that it is not counted, and the way out. */
export async function PreviewBanner() {
  const preview = await requestPreview();
  if (!preview) return null;
  const { config } = await getConfig();
  const e = config.experiments.find((x) => x.id === preview.experiment);
  return (
    <div role="status" className="sticky top-0 z-40 w-full bg-sky-900 px-4 py-2 text-center text-sm text-white" data-testid="preview-banner" data-experiment={preview.experiment} data-variant={preview.variant}>
      Preview of <strong>{preview.experiment}</strong>, arm <strong>{preview.variant}</strong>
      {e ? ` (${e.status})` : ' (no longer in the config: the page shows what visitors see)'}: not counted in any readout, and your own arms are unchanged.{' '}
      {/* A form, not a link: nothing may prefetch the exit (it clears the preview). */}
      <form action="/" method="get" className="inline">
        <input type="hidden" name="tandem_preview" value="off" />
        <button type="submit" className="font-semibold underline">
          Exit preview
        </button>
      </form>
    </div>
  );
}
