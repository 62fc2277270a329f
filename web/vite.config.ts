import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { VantResolver } from '@vant/auto-import-resolver';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// Two pages, two bundles: the console (index.html, Element Plus) and the phone pages (m.html, Vant), so a
// chair's phone never loads the console. Components are imported on demand by the resolvers.
export default defineConfig({
  root: here,
  base: '/',
  plugins: [
    vue(),
    Components({ dts: false, resolvers: [ElementPlusResolver({ importStyle: 'css' }), VantResolver({ importStyle: true })] }),
  ],
  resolve: { alias: { '@': path.join(here, 'src') } },
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    manifest: true,
    chunkSizeWarningLimit: 1500,
    reportCompressedSize: false,
    rollupOptions: { input: { index: path.join(here, 'index.html'), m: path.join(here, 'm.html') } },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
