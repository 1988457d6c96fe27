import { z } from 'zod';

// Zod compiles object schemas with `new Function` when it may; first it probes with one, which
// the page's policy (no 'unsafe-eval') refuses and reports as a violation on every page. The
// browser parses small answers, so it goes without the compiled fast path.
z.config({ jitless: true });
