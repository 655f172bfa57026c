'use client';
import { useEffect } from 'react';
import { recordEvent } from '@/lib/history/store';

/** Records a product view in the device's history (nothing is sent anywhere). */
export function RecordView({ sku }: { sku: string }) {
  useEffect(() => {
    void recordEvent(sku, 'view');
  }, [sku]);
  return null;
}
