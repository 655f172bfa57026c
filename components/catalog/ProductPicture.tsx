import { pictureUrl } from '@/lib/catalog/picture-url';

/** Fixed width and height on every picture: nothing moves while pictures load. */
export function ProductPicture({
  sku,
  name,
  version,
  size,
  priority = false,
  className = '',
}: {
  sku: string;
  name: string;
  version: string;
  size: number;
  priority?: boolean;
  className?: string;
}) {
  return (
    // A plain <img>: the SVG is already the right size, so Next's optimiser has nothing to do.
    // eslint-disable-next-line @next/next/no-img-element
    <img
      src={pictureUrl(sku, version)}
      alt={name}
      width={size}
      height={size}
      loading={priority ? 'eager' : 'lazy'}
      fetchPriority={priority ? 'high' : undefined}
      decoding="async"
      className={`aspect-square h-auto w-full rounded-xl bg-slate-100 object-cover ${className}`}
    />
  );
}
