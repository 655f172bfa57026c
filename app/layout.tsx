import type { Metadata, Viewport } from 'next';
import { headers } from 'next/headers';
import type { ReactNode } from 'react';
import { EventsQueue } from '@/components/layout/EventsQueue';
import { Footer } from '@/components/layout/Footer';
import { Header } from '@/components/layout/Header';
import { PreviewBanner } from '@/components/layout/PreviewBanner';
import { ServiceWorker } from '@/components/layout/ServiceWorker';
import { BenchHook } from '@/components/recs/BenchHook';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Tandem: gifts and homeware', template: '%s · Tandem' },
  description: 'Gifts, homeware and party goods, with recommendations computed on your own device.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1, themeColor: '#b4413c' };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page is rendered per request: its scripts carry the nonce of this response's CSP (proxy.ts),
  // which a page prerendered at build time could not.
  await headers();
  return (
    <html lang="en-GB">
      <body className="flex min-h-screen flex-col bg-white font-sans antialiased">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
          Skip to content
        </a>
        <PreviewBanner />
        <Header />
        <main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-6">
          {children}
        </main>
        <Footer />
        <ServiceWorker />
        <EventsQueue />
        <BenchHook />
      </body>
    </html>
  );
}
