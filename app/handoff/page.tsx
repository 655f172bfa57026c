import type { Metadata } from 'next';
import { HandoffRestore } from '@/components/handoff/HandoffRestore';

export const metadata: Metadata = { title: 'Opening…', robots: { index: false } };

/** Where a handoff link lands when the app is not installed: restores its state in this browser. */
export default function HandoffPage() {
  return (
    <section className="mx-auto max-w-xl py-10">
      <HandoffRestore />
    </section>
  );
}
