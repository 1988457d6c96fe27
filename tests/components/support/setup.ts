// The app's global stylesheet, so components lay out as they do in the app (and the visually
// hidden helpers stay hidden).
import '../../../src/app.css';

// highlight.js loads with a page's first code block (markdown/highlight.ts); components render
// here as they do once it has.
import { loadHighlighter } from '../../../src/lib/markdown/highlight';
await loadHighlighter();
