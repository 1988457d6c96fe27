// The app's global stylesheet, so components lay out as they do in the app (and the visually
// hidden helpers stay hidden).
import '../../../src/app.css';
