// The app's global stylesheet, so components lay out as they do in the app (and the visually
// hidden helpers stay hidden).
import '../../../src/app.css';

// highlight.js and the reply renderer load with a page's first code block and first reply
// (markdown/highlight.ts, markdown/reply-loader.ts); components render here as they do once
// they have.
import { loadHighlighter } from '../../../src/lib/markdown/highlight';
import { loadReplyRenderer } from '../../../src/lib/markdown/reply-loader';
await Promise.all([loadHighlighter(), loadReplyRenderer()]);
