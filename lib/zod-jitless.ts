/**
 * Zod 4 probes for `new Function` to decide whether to compile fast parsers. In the browser our
 * Content-Security-Policy forbids eval, so the probe fails (harmlessly) and the browser reports a CSP
 * violation on every page. Importing this first in page-side parsers turns the probe off.
 */
import { z } from 'zod';

z.config({ jitless: true });
