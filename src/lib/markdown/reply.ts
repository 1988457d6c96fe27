/**
 * What showing a reply's markdown takes in the browser (marked, DOMPurify, the block renderer),
 * as one module: reply-loader.ts loads it with the first reply a page shows.
 */
export { MarkdownBlocks } from './blocks';
export { highlightIn, warmUp } from './render';
export { copiedText, loadedKatex, loadKatex, renderMathIn } from './katex';
export { artifactAt, languageOf } from '$lib/artifacts/artifacts';
