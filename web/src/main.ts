import './styles.css';

// The entry only loads the app. Keeping it free of shared code matters: onnxruntime-web starts its
// wasm worker threads from its chunk's URL, and that chunk must not import the page's entry.
void import('./app.ts');
