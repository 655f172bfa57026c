'use client';
import { useEffect } from 'react';
import { listen } from '@/lib/events/client';

/**
 * On every page: sends what earlier pages left in the event queue (a failed send, a beacon to confirm,
 * an offline stretch), even when this page tracks nothing itself.
 */
export function EventsQueue() {
  useEffect(() => listen(), []);
  return null;
}
