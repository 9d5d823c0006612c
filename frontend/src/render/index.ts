/** Output and markdown renderers for interlace notebooks. */
import 'katex/dist/katex.min.css';
import './render.css';

export { renderOutput, ansiToHtml, type RenderOptions } from './output';
export { renderMarkdown, renderLatex, type MarkdownOptions } from './markdown';
export { MIME_ORDER, chooseMime } from './mime';
export { parseAnsi, stripAnsi, type Segment } from './ansi';
export { resolveCarriageReturns, joinText } from './streams';
export { renderJsonTree } from './json-tree';
