// Entry point: mounts the dashboard (the line chart's ECharts code loads later, on its own).
import { createApp } from 'vue';
import './styles.css';
import App from './App.vue';

createApp(App).mount('#app');
